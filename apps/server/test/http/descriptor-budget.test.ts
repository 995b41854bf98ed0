import { describe, expect, it } from 'vitest';
import { connectionCap, descriptorLimit, RESERVED_DESCRIPTORS } from '../../src/http/descriptor-budget.ts';

const limits = (soft: string) =>
  `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                ${soft}                files\n`;

describe('the connection cap fits the descriptor limit', () => {
  const warnings: object[] = [];
  const log = { warn: (obj: object) => warnings.push(obj) };

  it('reads the soft limit of this process', () => {
    expect(descriptorLimit()).toBeGreaterThan(0);
    expect(descriptorLimit(limits('1024'))).toBe(1024);
    expect(descriptorLimit(limits('unlimited'))).toBe(Number.POSITIVE_INFINITY);
    expect(descriptorLimit('garbage')).toBeNull();
  });

  it('keeps the configured cap when it fits, lowers it and warns when it does not', () => {
    expect(connectionCap(1024, log, 20_000)).toBe(1024);
    expect(connectionCap(1024, log, null)).toBe(1024);
    expect(warnings).toHaveLength(0);
    expect(connectionCap(1024, log, 1024)).toBe(1024 - RESERVED_DESCRIPTORS);
    expect(connectionCap(1024, log, 100)).toBe(16);
    expect(warnings).toHaveLength(2);
  });
});
