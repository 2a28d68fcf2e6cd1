/** GET|POST /wecom-suite/{suiteId}/command — the suite's command callback (suite_ticket, authorization events). */
import { suiteCommandUseCase } from '../../shared/suite-composition';
import { settleOperationLog } from '../../shared/composition';
import { callbackHandler } from '../../shared/runtime/http';

export const handler = callbackHandler(
  'wecom-suite-command',
  async (request) => {
    try {
      return await suiteCommandUseCase().handle(request);
    } finally {
      await settleOperationLog();
    }
  },
  { idParameter: 'suiteId' },
);
