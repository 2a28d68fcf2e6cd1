import type { LocalAws } from '../../local/aws';

export default async function globalTeardown(): Promise<void> {
  const aws = (globalThis as { __DUTYBRIDGE_AWS__?: LocalAws }).__DUTYBRIDGE_AWS__;
  await aws?.stop();
}
