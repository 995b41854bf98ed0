/** Injectable time, so leases, deadlines and expiry are tested in milliseconds (house rule 9). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
