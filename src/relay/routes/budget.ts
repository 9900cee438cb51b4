import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BudgetStorage } from '../../shared/budget/budget-port.js';
import { BudgetRequestError, budgetView, decideBudgetRenew, parseBudgetRenew, type BudgetConfig, type BudgetPolicy } from '../../shared/budget/rules.js';
import { sendError } from '../http-errors.js';
import { bearerToken, hashToken, hashesEqual } from '../tokens.js';

export interface BudgetRouteDeps {
  firmOf(req: FastifyRequest): Promise<string | undefined>;
  budget: BudgetStorage;
  config: BudgetConfig;
  policy: BudgetPolicy;
  /** sha256 of the operator's token; undefined: the admin endpoint is off. */
  adminTokenHash: string | undefined;
  now(): number;
}

/**
 * The partner budget: POST /v1/budget/renew (a firm's sync host; its demand in, its rate lease out) and
 * GET /v1/admin/budget (the operator; Prometheus text). Every decision is in src/shared/budget/rules.ts.
 */
export function registerBudgetRoutes(app: FastifyInstance, deps: BudgetRouteDeps): void {
  app.post('/v1/budget/renew', async (req, reply) => {
    const firmId = await deps.firmOf(req);
    if (!firmId) return sendError(reply, 401, 'unauthorized', 'send Authorization: Bearer <firm token>; the token is missing, unknown or rotated');
    let parsed;
    try {
      parsed = parseBudgetRenew(jsonOf(req.body));
    } catch (err) {
      if (err instanceof BudgetRequestError) return sendError(reply, 400, 'bad_request', err.message);
      throw err;
    }
    const request = parsed;
    if (deps.config.mode === 'per-firm') return reply.header('cache-control', 'no-store').send({ mode: 'per-firm', serverTime: deps.now() });
    const grant = await deps.budget.transact((doc) => decideBudgetRenew(doc, firmId, request, deps.now(), deps.config, deps.policy));
    return reply.header('cache-control', 'no-store').send(grant);
  });

  app.get('/v1/admin/budget', async (req, reply) => {
    const token = bearerToken(req.headers.authorization);
    if (!deps.adminTokenHash) return sendError(reply, 404, 'not_found', 'the admin endpoint is off; start the relay with --admin-token (RELAY_ADMIN_TOKEN)');
    if (!token || !hashesEqual(hashToken(token), deps.adminTokenHash))
      return sendError(reply, 401, 'unauthorized', 'send Authorization: Bearer <operator token>');
    const now = deps.now();
    const rows = deps.config.mode === 'shared' ? budgetView(await deps.budget.read(), now) : [];
    return reply.header('cache-control', 'no-store').type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(deps.config, rows));
  });
}

function jsonOf(body: unknown): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  try {
    return JSON.parse(text);
  } catch {
    throw new BudgetRequestError('the body must be a JSON object');
  }
}

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text exposition format 0.0.4: the budget, then one series per firm that asked. */
export function prometheusText(config: BudgetConfig, rows: ReturnType<typeof budgetView>): string {
  const lines: string[] = [];
  const metric = (name: string, help: string, samples: Array<[string, number]>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${Number.isFinite(value) ? Number(value.toFixed(6)) : 0}`);
  };
  metric('relay_budget_rate_per_second', 'The partner-wide Smokeball rate the relay divides (requests/s).', [
    [`{mode="${config.mode}"}`, config.ratePerSecond],
  ]);
  metric('relay_budget_concurrency', 'The partner-wide concurrent requests the relay divides.', [[`{mode="${config.mode}"}`, config.concurrency]]);
  metric('relay_budget_granted_sum_per_second', 'Sum of unexpired granted rates (never above the rate).', [
    ['', rows.reduce((a, r) => a + r.grantedPerSecond, 0)],
  ]);
  const per = (pick: (r: (typeof rows)[number]) => number): Array<[string, number]> => rows.map((r) => [`{firm="${label(r.firmId)}"}`, pick(r)]);
  metric(
    'relay_budget_firm_granted_per_second',
    "A firm's unexpired granted rate (requests/s).",
    per((r) => r.grantedPerSecond),
  );
  metric(
    'relay_budget_firm_granted_concurrency',
    "A firm's unexpired granted concurrency.",
    per((r) => r.concurrency),
  );
  metric(
    'relay_budget_firm_used_per_second',
    "Requests/s a firm's host reported sending at its last renewal.",
    per((r) => r.usedPerSecond),
  );
  metric(
    'relay_budget_firm_queue_depth',
    "Smokeball requests queued at a firm's host at its last renewal.",
    per((r) => r.queueDepth),
  );
  lines.push("# HELP relay_budget_firm_demand_per_second Requests/s a firm's host asked for, by class.", '# TYPE relay_budget_firm_demand_per_second gauge');
  for (const r of rows) {
    lines.push(`relay_budget_firm_demand_per_second{firm="${label(r.firmId)}",class="realtime"} ${Number(r.demandRealtime.toFixed(6))}`);
    lines.push(`relay_budget_firm_demand_per_second{firm="${label(r.firmId)}",class="bulk"} ${Number(r.demandBulk.toFixed(6))}`);
  }
  return lines.join('\n') + '\n';
}
