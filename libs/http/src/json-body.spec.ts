import { findUnsafeJson } from './json-body';

describe('findUnsafeJson', () => {
  it.each(['__proto__', 'constructor', 'prototype'])(
    'flags a %s key at any depth, since the validation pipe would silently delete it',
    (key) => {
      const body: unknown = JSON.parse(`{"events":[{"properties":{"nested":{"${key}":1}}}]}`);
      expect(findUnsafeJson(body)).toEqual({
        field: `events[0].properties.nested.${key}`,
        reason: `${key} is a reserved key`,
      });
    },
  );

  it('lets keys that merely contain those words through', () => {
    expect(findUnsafeJson({ properties: { my_constructor: 1, prototypeId: 2, __proto: 3 } })).toBeNull();
  });
});
