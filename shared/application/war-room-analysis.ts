/**
 * The War Room's first analysis (issue 15): posted by the app into a room once it is open. Always
 * the incident's status and recent timeline (deterministic, works without a model); with the
 * integration's model (settings.ai) also the model's first take, which is only words: nothing in it
 * is acted on. A model that fails or is too slow leaves the deterministic part with a note.
 */
import { modelFallbackNote, statusText, timelineText } from '../domain/bot-replies';
import type { Incident } from '../domain/incident';
import { firstAnalysisPrompt } from '../domain/incident-prompt';
import type { Integration } from '../domain/integration';
import { enabledAi } from '../domain/smart-bot-settings';
import { truncateText } from '../domain/text-budget';
import { WAR_ROOM_MESSAGE_MAX_BYTES, type WarRoomMarkdown } from '../domain/war-room-messages';
import type { Clock } from './ports';
import { ModelCallError, type ChatModels } from './smart-bot-ports';

export interface WarRoomAnalysisDeps {
  readonly models: ChatModels;
  readonly clock: Clock;
  /** Longest the model may take here (the war-room worker's own timeout bounds it); default 40 s. */
  readonly maxModelMs?: number;
}

const TIMELINE_LINES = 8;

export class WarRoomFirstAnalysis {
  constructor(private readonly deps: WarRoomAnalysisDeps) {}

  async compose(integration: Integration, incident: Incident): Promise<WarRoomMarkdown> {
    const nowMs = this.deps.clock.nowMs();
    const title = `${incident.incidentId}: first analysis`;
    const base = `**First analysis · ${incident.incidentId}**\n\n${statusText(incident, nowMs, 'en')}\n\n${timelineText(incident, 'en', TIMELINE_LINES)}`;
    const model = await this.deps.models.forIntegration(integration);
    if (!model) return { title, text: fit(base) };
    const budgetMs = Math.min((enabledAi(integration)?.timeoutSeconds ?? 30) * 1000, this.deps.maxModelMs ?? 40_000);
    try {
      const analysis = await model.complete({ messages: firstAnalysisPrompt(incident, nowMs, 'en'), signal: AbortSignal.timeout(budgetMs) });
      // The model's part goes last, so a long answer is what gets cut, never the facts above it.
      return { title, text: fit(`${base}\n\n**AI analysis** (a draft from the model; check before acting)\n\n${analysis.trim()}`) };
    } catch (error) {
      if (!(error instanceof ModelCallError)) throw error;
      return { title, text: fit(`${base}\n\n${modelFallbackNote(error.kind === 'timeout' ? 'timeout' : 'error', 'en')}`) };
    }
  }
}

function fit(text: string): string {
  return truncateText(text, { maxBytes: WAR_ROOM_MESSAGE_MAX_BYTES });
}
