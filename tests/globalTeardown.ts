import type { TemporalServer } from '../cli/temporal/devServer';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __strawberryTemporal?: TemporalServer }).__strawberryTemporal?.stop();
}
