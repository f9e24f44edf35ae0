import mongoose from 'mongoose';
import { createAuditEventModel } from '../../src/audit/model';

describe('audit pages', () => {
  test('when events are filtered by actor, target or action, then an index serves the filter in page order', () => {
    const model = createAuditEventModel(mongoose.createConnection());
    const keys = model.schema.indexes().map(([key]) => JSON.stringify(key));
    // Pages are sorted newest first by (at, _id): each filter's index must end in both.
    for (const filter of ['actorId', 'targetId', 'action']) {
      expect(keys).toContain(JSON.stringify({ [filter]: 1, at: -1, _id: -1 }));
    }
    expect(keys).toContain(JSON.stringify({ at: -1, _id: -1 }));
  });
});
