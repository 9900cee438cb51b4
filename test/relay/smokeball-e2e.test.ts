import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayFirmInfo, type RelayServer } from '../../src/relay/index.js';
import { generateFirm } from '../../src/sim/seed/generate.js';
import { startSmokeballSim, type SmokeballSim } from '../../src/sim/smokeball/index.js';
import { Storages, readAll, type StorageKind } from './helpers.js';

const storages = new Storages();
let relay: RelayServer | undefined;
let sim: SmokeballSim | undefined;
afterEach(async () => {
  await sim?.close();
  await relay?.close();
  sim = undefined;
  relay = undefined;
});
afterAll(() => storages.cleanup());

const CLIENT_ID = 'e2e-app-client-id';

describe.each<StorageKind>(['sqlite', 'postgres'])('the Smokeball simulator delivering into the relay (%s)', (kind) => {
  it("delivers a real matterstage.updated (and its redelivery once) to the firm's event queue", async () => {
    const firmData = generateFirm({ seed: 3, matters: 20 });
    // Duplicate every delivery: the relay must still hold each event once.
    sim = await startSmokeballSim({ firm: firmData, clientId: CLIENT_ID, writeDelayMs: 0, webhookFaults: { duplicateRate: 1 } });
    relay = await startRelayServer({ storage: await storages.fresh(kind), smokeballClientId: CLIENT_ID });
    const created = await relay.admin.createFirm({ name: firmData.name });

    // What the app does: read its webhook settings from the relay, then subscribe in Smokeball.
    const info = (await (await fetch(`${relay.url}/v1/firm`, { headers: { authorization: `Bearer ${created.token}` } })).json()) as RelayFirmInfo;
    const { accessToken } = sim.control.issueTokens();
    const sub = await fetch(`${sim.url}/webhooks`, {
      method: 'POST',
      headers: { 'x-api-key': sim.options.apiKey, authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'case-status-sync',
        eventTypes: ['matterstage.updated'],
        eventNotificationUrl: info.webhooks.smokeball.url,
        key: info.webhooks.smokeball.key,
      }),
    });
    expect(sub.status).toBe(200);

    const current = firmData.matterStages[0]!;
    const stageSet = firmData.stageSets.find((s) => s.id === current.stageSetId)!;
    const target = stageSet.stages.find((s) => s.id !== current.stageId && !s.isDeleted)!;
    sim.control.changeMatterStage(current.matterId, target.id);
    await sim.control.whenIdle();

    const deliveries = sim.control.deliveries();
    expect(deliveries.filter((d) => d.outcome === 'delivered')).toHaveLength(2); // original + duplicate
    const events = await readAll(relay.url, created.token);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ cursor: '1', source: 'smokeball', type: 'matterstage.updated', requestId: deliveries[0]!.requestId });
    const body = event!.body as { accountId: string; type: string; source: string; payload: { matter: { id: string }; stage: { id: string } } };
    expect(body).toMatchObject({ accountId: firmData.accountId, type: 'matterstage.updated', source: 'Smokeball' });
    expect(body.payload.matter.id).toBe(current.matterId);
    expect(body.payload.stage.id).toBe(target.id);
  });
});
