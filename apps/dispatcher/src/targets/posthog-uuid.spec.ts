import { EVENT_ID_UUID_NAMESPACE, uuidV5 } from '@app/entities';
import { posthogUuid } from './posthog-uuid';

describe('posthogUuid', () => {
  it('sends an event id that is a UUID as it is, whatever its case or version', () => {
    expect(posthogUuid('0190f5a2-7c1e-7b3a-9d4e-1f2a3b4c5d6e')).toBe('0190f5a2-7c1e-7b3a-9d4e-1f2a3b4c5d6e');
    expect(posthogUuid('CDF1E7EA-0C3D-457A-A7E0-0E4C51306FE5')).toBe('CDF1E7EA-0C3D-457A-A7E0-0E4C51306FE5');
  });

  it('gives any other event id the same v5 uuid in the fixed namespace every time', () => {
    const uuid = posthogUuid('e-1');
    expect(uuid).toBe('894d11b1-091d-5795-b821-647244f4f2fa');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(posthogUuid('e-1')).toBe(uuid);
    expect(posthogUuid('e-2')).not.toBe(uuid);
    // Not quite a UUID: braces, no hyphens, one digit short.
    for (const id of ['{cdf1e7ea-0c3d-457a-a7e0-0e4c51306fe5}', 'cdf1e7ea0c3d457aa7e00e4c51306fe5', 'cdf1e7ea-0c3d']) {
      expect(posthogUuid(id)).toBe(uuidV5(id, EVENT_ID_UUID_NAMESPACE));
    }
  });
});
