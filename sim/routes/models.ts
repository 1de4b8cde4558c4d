import type { SimContext, ServedModel } from '../context';
import { notFound, type Reply } from '../http';

function modelObject(m: ServedModel): Record<string, unknown> {
  return { id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy };
}

export function listModels(ctx: SimContext): Reply {
  ctx.refresh();
  return { status: 200, json: { object: 'list', data: ctx.catalog.list().map(modelObject) } };
}

export function getModel(ctx: SimContext, id: string): Reply {
  ctx.refresh();
  const m = ctx.catalog.get(id);
  if (!m) throw notFound(`The model '${id}' does not exist`, 'model', 'model_not_found');
  return { status: 200, json: modelObject(m) };
}
