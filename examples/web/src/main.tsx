import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startRouter } from './router';
import { client, refreshSession } from './session';

// Before anything else: an emailed link's token leaves the address bar (history, Referer).
startRouter();
// A reload starts signed out in memory; the cookie brings the session back, if there is one.
void refreshSession();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <App />
    </ApolloProvider>
  </StrictMode>,
);
