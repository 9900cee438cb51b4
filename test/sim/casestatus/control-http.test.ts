import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseStatusSim } from '../../../src/sim/casestatus/server.js';
import { CLIENT_1, MATTER_A, caseBody, clientBody } from './fixtures.js';
import { api, startReceiver, startSim } from './helpers.js';

let sim: CaseStatusSim;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const ctl = () => axios.create({ baseURL: `${sim.url}/_sim`, validateStatus: () => true });

beforeAll(async () => {
  receiver = await startReceiver();
  sim = await startSim({ rateLimit: { ratePerSecond: 10, burst: 10 } });
  await api(sim).put(`/clients/${CLIENT_1}`, clientBody());
  await api(sim).put(`/cases/${MATTER_A}`, caseBody());
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

describe('control API over HTTP', () => {
  it('reports stats, cases, clients and stage changes', async () => {
    const stats = (await ctl().get('/stats')).data;
    expect(stats.requests.total).toBe(2);
    expect(stats.counts).toMatchObject({ clients: 1, cases: 1, stageChanges: 1, messages: { visible: 3, pending: 1 } });
    expect(stats.rateLimit).toEqual({ ratePerSecond: 10, burst: 10 });
    expect((await ctl().get('/cases')).data.data[0]).toMatchObject({ externalId: MATTER_A, stage: 'Intake', clientExternalIds: [CLIENT_1] });
    expect((await ctl().get('/clients')).data.data).toHaveLength(1);
    expect((await ctl().get('/stage-changes')).data.data).toEqual([expect.objectContaining({ from: null, to: 'Intake' })]);
  });

  it('adds messages and documents, moves a case in the portal, and configures events', async () => {
    expect((await ctl().put('/event-webhook', { url: receiver.url, secret: 's' })).status).toBe(200);
    const message = await ctl().post('/messages', { matterId: MATTER_A, senderName: 'Pat', senderRole: 'client', body: '<p>hi</p>' });
    expect(message.status).toBe(201);
    expect(message.data).toMatchObject({ visible: true, threadId: 'thread-a' });
    const doc = await ctl().post('/documents', {
      matterId: MATTER_A,
      fileName: 'a.txt',
      sharedByName: 'Pat',
      sharedByRole: 'client',
      contentBase64: Buffer.from('hello').toString('base64'),
    });
    expect(doc.data).toMatchObject({ visible: true, sizeBytes: 5 });
    const content = await api(sim).get(`/documents/${doc.data.id}/content`, { responseType: 'text' });
    expect(content.data).toBe('hello');
    const moved = await ctl().patch(`/cases/${MATTER_A}`, { stage: 'Demand' });
    expect(moved.data.stage).toBe('Demand');
    expect((await ctl().patch(`/cases/${MATTER_A}`, { stage: 'Nope' })).status).toBe(422);
    expect((await ctl().get('/events/idle')).status).toBe(200);
    expect(receiver.deliveries.map((d) => JSON.parse(d.rawBody).type).sort()).toEqual(['case.updated', 'document.created', 'message.created']);
    expect((await ctl().post('/messages', { matterId: MATTER_A })).status).toBe(400);
  });

  it('changes faults, limits, event faults and the API key', async () => {
    expect((await ctl().put('/faults', { serverErrorRate: 1 })).data.serverErrorRate).toBe(1);
    expect((await api(sim).get('/cases')).status).toBeGreaterThanOrEqual(500);
    await ctl().put('/faults', { serverErrorRate: 0 });
    expect((await ctl().put('/rate-limit', { enabled: false })).data).toEqual({ rateLimit: false });
    expect((await ctl().put('/rate-limit', { ratePerSecond: 2, burst: 2 })).data.rateLimit).toEqual({ ratePerSecond: 2, burst: 2 });
    expect((await ctl().put('/event-faults', { dropRate: 0.5 })).data).toEqual({ duplicateRate: 0, dropRate: 0.5 });
    await ctl().put('/api-key', { apiKey: 'k2' });
    expect((await api(sim).get('/cases')).status).toBe(401);
    expect((await api(sim, 'k2').get('/cases')).status).toBe(200);
    expect((await ctl().post('/stats/reset', {})).data).toEqual({ ok: true });
    expect(sim.stats.total).toBe(0);
  });
});
