import type { FastifyReply } from 'fastify';

/** A connect flow that cannot go on; its message is shown to the owner as is. */
export class ConnectPageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The RS's own small pages for the connect flow: a readable title and sentence, never a stack
 * trace, never cached. The dashboard's pages belong to the AS; these belong to the RS.
 */
export function page(reply: FastifyReply, status: number, title: string, text: string) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(
    title,
  )} · Kardia</title></head><body><main><h1>${escape(title)}</h1><p>${escape(
    text,
  )}</p></main></body></html>`;
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}
