/** What every message shares: HTML escaping and one plain layout. */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

export interface MailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

interface MailParts {
  readonly subject: string;
  readonly paragraphs: readonly string[];
  readonly footer: string;
}

/** A message with one call to action: paragraphs, a link, and a closing line. */
export function actionMail(
  input: MailParts & { readonly action: { readonly label: string; readonly url: string } },
): MailContent {
  return layout(input, input.action);
}

/** A message that only tells: paragraphs and a closing line. */
export function noticeMail(input: MailParts): MailContent {
  return layout(input, null);
}

function layout(
  { subject, paragraphs, footer }: MailParts,
  action: { readonly label: string; readonly url: string } | null,
): MailContent {
  const text = [...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : []), footer].join(
    '\n\n',
  );
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">',
    ...paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    ...(action
      ? [`<p><a href="${escapeHtml(action.url)}">${escapeHtml(action.label)}</a></p>`]
      : []),
    `<p style="color: #666">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text: `${text}\n`, html };
}
