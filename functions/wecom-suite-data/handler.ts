/** GET|POST /wecom-suite/{suiteId}/data — the suite's data callback: every authorized corp's card events. */
import { suiteDataUseCase } from '../../shared/suite-composition';
import { settleOperationLog } from '../../shared/composition';
import { callbackHandler } from '../../shared/runtime/http';

export const handler = callbackHandler(
  'wecom-suite-data',
  async (request) => {
    try {
      return await suiteDataUseCase().handle(request);
    } finally {
      await settleOperationLog();
    }
  },
  { idParameter: 'suiteId' },
);
