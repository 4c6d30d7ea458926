/**
 * The floors of SPEC §9, computed from what the run measured: every target is
 * a ratio to one of them, and each comes with the CPU it costs per operation,
 * to set beside the server's.
 *
 * - Ingest floor = 2 / (1/V + 1/S): two cores doing nothing but one native
 *   verify and one row insert per assertion. CPU: 1e6/V + 1e6/S µs.
 * - Single-POST floor = 1 / (1/ingest floor + 1/H_post). CPU: the ingest
 *   floor's plus bare Bun's per POST.
 * - Query floor = H_get, bare Bun's GET rate; CPU: bare Bun's per GET.
 */

export interface FloorInputs {
  /** Native Ed25519 verifies per second on one core. */
  verifyPerCore: number;
  /** Rows per second into a fresh database with StemeDB's schema (one thread, 1,000 per transaction). */
  sqliteRowsPerSecond: number;
  /** Bare Bun.serve: GETs per second from 16 connections, POSTs per second from 64, and their CPU µs per request. */
  hGet: number;
  hGetCpuUs: number;
  hPost: number;
  hPostCpuUs: number;
}

export interface Floor {
  rate: number;
  /** CPU µs per operation at the floor. */
  cpuUs: number;
}

export interface Floors {
  verify: Floor;
  sqlite: Floor;
  ingest: Floor;
  httpGet: Floor;
  httpPost: Floor;
  singlePost: Floor;
}

const us = (rate: number) => 1e6 / rate;
const round1 = (x: number) => Math.round(x * 10) / 10;

export function computeFloors(m: FloorInputs): Floors {
  const ingest = 2 / (1 / m.verifyPerCore + 1 / m.sqliteRowsPerSecond);
  const ingestCpu = us(m.verifyPerCore) + us(m.sqliteRowsPerSecond);
  return {
    verify: { rate: m.verifyPerCore, cpuUs: round1(us(m.verifyPerCore)) },
    sqlite: { rate: m.sqliteRowsPerSecond, cpuUs: round1(us(m.sqliteRowsPerSecond)) },
    ingest: { rate: Math.round(ingest), cpuUs: round1(ingestCpu) },
    httpGet: { rate: m.hGet, cpuUs: m.hGetCpuUs },
    httpPost: { rate: m.hPost, cpuUs: m.hPostCpuUs },
    singlePost: {
      rate: Math.round(1 / (1 / ingest + 1 / m.hPost)),
      cpuUs: round1(ingestCpu + m.hPostCpuUs),
    },
  };
}
