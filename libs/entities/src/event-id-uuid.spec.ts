import { EVENT_ID_UUID_NAMESPACE, uuidV5 } from './event-id-uuid';

const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('uuidV5', () => {
  it.each([
    // RFC 9562 Appendix A.4.
    ['www.example.com', DNS, '2ed6657d-e927-568b-95e1-2665a8aea6a2'],
    // Python's uuid.uuid5, the reference most implementations test against.
    ['python.org', DNS, '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
    ['http://python.org/', URL_NAMESPACE, '4c565f0d-3f5a-5890-b41b-20cf47701c5e'],
  ])('gives the known uuid of %s', (name, namespace, expected) => {
    expect(uuidV5(name, namespace)).toBe(expected);
  });

  it('hashes the name as UTF-8', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.UUID('cdf1e7ea-0c3d-457a-a7e0-0e4c51306fe5'), '이벤트-1'))"
    expect(uuidV5('이벤트-1', EVENT_ID_UUID_NAMESPACE)).toBe('5ba896ed-d16d-58ec-a4d7-f7d20eb0a17b');
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('e-1', 'not-a-uuid')).toThrow('namespace is not a UUID');
  });
});
