// UUIDv7 ids as crates/domain/src/ids.rs makes them, and the seeded reference ids of
// crates/domain/src/seed.rs, so the mock's topics and agencies carry the real ids.

/** The time part of seeded ids: 2025-01-01T00:00:00Z. */
export const SEED_MILLIS = 1_735_689_600_000;

const MASK = (1n << 64n) - 1n;
const FNV_PRIME = 0x0100_0000_01b3n;

/** Ten bytes derived from a name: two FNV-1a hashes, as `seed::name_bytes`. */
export function nameBytes(namespace: string, name: string): Uint8Array {
  const input = [...new TextEncoder().encode(namespace), 0, ...new TextEncoder().encode(name)];
  const hash = (seed: bigint) => {
    let h = seed;
    for (const b of input) {
      h ^= BigInt(b);
      h = (h * FNV_PRIME) & MASK;
    }
    return h;
  };
  const a = hash(0xcbf2_9ce4_8422_2325n);
  const b = hash(0x8422_2325_cbf2_9ce4n);
  const out = new Uint8Array(10);
  for (let i = 0; i < 8; i++) out[i] = Number((a >> BigInt(56 - 8 * i)) & 0xffn);
  out[8] = Number((b >> 56n) & 0xffn);
  out[9] = Number((b >> 48n) & 0xffn);
  return out;
}

/** A UUIDv7 from a Unix time in milliseconds and ten random bytes (uuid's `Builder`). */
export function uuidV7(millis: number, random: Uint8Array): string {
  const bytes = new Uint8Array(16);
  let m = BigInt(millis);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(m & 0xffn);
    m >>= 8n;
  }
  bytes[6] = 0x70 | ((random[0] ?? 0) & 0x0f);
  bytes[7] = random[1] ?? 0;
  bytes[8] = 0x80 | ((random[2] ?? 0) & 0x3f);
  for (let i = 3; i < 10; i++) bytes[i + 6] = random[i] ?? 0;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const seededTopicId = (name: string) => uuidV7(SEED_MILLIS, nameBytes('topic', name));
export const seededAgencyId = (name: string) => uuidV7(SEED_MILLIS, nameBytes('agency', name));

/** A deterministic pseudo-random source (mulberry32), so seeded data is the same every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ten random bytes from `random`. */
export function randomBytes(random: () => number): Uint8Array {
  const out = new Uint8Array(10);
  for (let i = 0; i < 10; i++) out[i] = Math.floor(random() * 256);
  return out;
}
