import type { FastifyReply } from 'fastify';

/** Every 4xx/5xx body: `{error: "<code>", message: "<human text>"}`. Messages never carry secrets. */
export function sendError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error, message });
}
