/**
 * Mobile numbers as they are compared across systems. member.upserted carries `+86-13800000000`;
 * WeCom `user/get` and DingTalk `user/get` give mainland numbers without the country code
 * (`13800000000`) and others with it (`+1-5551234567`, sometimes with spaces). The comparable form
 * drops separators and the +86 of mainland numbers and keeps any other country code.
 */
export function comparableMobile(mobile: string): string {
  const compact = mobile.trim().replace(/[\s()-]/g, '');
  const mainland = /^(?:\+?86)?(1\d{10})$/.exec(compact);
  if (mainland) return mainland[1];
  return compact.startsWith('+') ? compact : compact.replace(/^00/, '+');
}

/** `138****0000`: enough to recognise a number in a listing, not enough to call it. */
export function maskMobile(mobile: string): string {
  const m = comparableMobile(mobile);
  if (m.length <= 6) return '*'.repeat(m.length);
  return `${m.slice(0, 3)}${'*'.repeat(m.length - 7)}${m.slice(-4)}`;
}
