import { createTransport } from 'nodemailer';

/**
 * Outgoing mail, the only nodemailer importer. Every message has a plain-text and an HTML part,
 * made by the templates in ./templates.
 */

export interface MailSettings {
  /** `smtp://` or `smtps://`, with credentials; null: see `printWithoutServer`. */
  readonly smtpUrl: string | null;
  /**
   * Without a server: print each message on the terminal (development), or refuse to send
   * (production, where the output is a log and the message holds a working link).
   */
  readonly printWithoutServer: boolean;
  readonly from: string;
  /** The frontend's base URL (no trailing slash) that emailed links open. */
  readonly appUrl: string;
}

export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface Mailer {
  /**
   * Hands one message to the mail server. Rejects when the server is down, too slow or refuses
   * the message: within seconds, never hanging a request.
   */
  send(mail: Mail): Promise<void>;
  /** A link into the frontend: `APP_URL` + path + query. */
  link(path: string, query: Record<string, string>): string;
  close(): void;
}

/** Connecting, the greeting and each later exchange each get this long. */
const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };

export function createMailer(settings: MailSettings, terminal: (text: string) => void): Mailer {
  const link = (path: string, query: Record<string, string>) =>
    `${settings.appUrl}${path}?${new URLSearchParams(query).toString()}`;
  if (settings.smtpUrl === null && !settings.printWithoutServer) {
    return {
      send: () => Promise.reject(Object.assign(new Error('no mail server'), { code: 'NO_SMTP' })),
      link,
      close: () => undefined,
    };
  }
  if (settings.smtpUrl === null) {
    // Development without a mail server: the message goes where the generated admin password
    // goes, the terminal (never the log), so a developer can follow its link.
    return {
      send(mail) {
        terminal(`\nMail to ${mail.to}: ${mail.subject}\n\n${mail.text}\n`);
        return Promise.resolve();
      },
      link,
      close: () => undefined,
    };
  }
  const transport = createTransport({ url: settings.smtpUrl, ...SMTP_TIMEOUTS });
  return {
    async send(mail) {
      await transport.sendMail({ from: settings.from, ...mail });
    },
    link,
    close: () => transport.close(),
  };
}
