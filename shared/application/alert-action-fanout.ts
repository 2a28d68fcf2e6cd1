/**
 * Card actions on alert incidents also go to the silence worker (issue 18). The actions queue keeps
 * getting every action exactly as before (the incident system, or whoever reads it, sees no
 * change); a Snooze or Close on an incident made from an alert source is copied to alert-silences.
 * The copy goes first: if it fails the click's outbox keeps the action and republishes both later,
 * and the silence worker ignores a copy it has already acted on.
 */
import type { ActionQueueMessage } from '../domain/incident-action';
import { isAlertIncident } from '../domain/alert-incident-id';
import type { AlertSilenceJobs } from './alert-ports';
import type { ActionPublisher } from './ports';

export class AlertAwareActionPublisher implements ActionPublisher {
  constructor(
    private readonly inner: ActionPublisher,
    private readonly silences: AlertSilenceJobs,
  ) {}

  async publish(message: ActionQueueMessage): Promise<void> {
    if (message.type === 'incident.action' && message.action !== 'acknowledge' && isAlertIncident(message.incidentId)) {
      await this.silences.request(message);
    }
    await this.inner.publish(message);
  }
}
