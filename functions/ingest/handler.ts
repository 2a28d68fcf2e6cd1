/** POST /ingest/alertmanager|grafana|events/{sourceId} — alert webhooks and incident events over HTTP (issue 18). */
import { alertIngestUseCase } from '../../shared/alert-composition';
import { NotFoundError } from '../../shared/domain/errors';
import { callbackHandler } from '../../shared/runtime/http';

/** Alertmanager batches whole groups; 1,000 alerts with labels and annotations stay well below this. */
const INGEST_MAX_BODY_BYTES = 5 * 1024 * 1024;
const KINDS = { alertmanager: 'alertmanager', grafana: 'grafana', events: 'events' } as const;

export const handler = callbackHandler(
  'ingest',
  (request, event) => {
    const kind = KINDS[/^\/ingest\/([a-z]+)\//.exec(event.rawPath ?? '')?.[1] as keyof typeof KINDS];
    if (!kind) throw new NotFoundError('unknown_route', 'no such ingest route');
    return alertIngestUseCase().accept(kind, request);
  },
  { idParameter: 'sourceId', maxBodyBytes: INGEST_MAX_BODY_BYTES },
);
