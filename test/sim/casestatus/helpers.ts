import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { type AxiosInstance } from 'axios';
import { startCaseStatusSim, type CaseStatusSim, type CaseStatusSimOptions } from '../../../src/sim/casestatus/server.js';
import { fixtureDocumentBytes, fixtureFirm } from './fixtures.js';

export const API_KEY = 'cs-sim-key';

/** Starts the simulator on the fixture firm with test content; rate limiting off unless asked for. */
export function startSim(options: Partial<CaseStatusSimOptions> = {}): Promise<CaseStatusSim> {
  return startCaseStatusSim({
    firm: fixtureFirm(),
    documentContent: fixtureDocumentBytes,
    rateLimit: false,
    ...options,
  });
}

/** An HTTP client that never throws on status, with the firm's key unless another is given. */
export function api(sim: CaseStatusSim, key: string | null = API_KEY): AxiosInstance {
  return axios.create({
    baseURL: `${sim.url}/v1`,
    validateStatus: () => true,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
}

export interface ReceivedDelivery {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

/** A webhook endpoint that records raw deliveries; `respond` picks the status per delivery (default 200). */
export async function startReceiver(respond: (delivery: ReceivedDelivery, index: number) => number = () => 200) {
  const deliveries: ReceivedDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delivery = { headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
      const status = respond(delivery, deliveries.length);
      deliveries.push(delivery);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/casestatus`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
