/** GET /wecom-suite/{suiteId}/install (redirect to WeCom's install page) and GET …/installed (its return URL). */
import { suiteInstallUseCase } from '../../shared/suite-composition';
import { settleOperationLog } from '../../shared/composition';
import { callbackHandler } from '../../shared/runtime/http';

export const handler = callbackHandler(
  'wecom-suite-install',
  async (request, event) => {
    try {
      const installed = event.rawPath.endsWith('/installed');
      return installed ? await suiteInstallUseCase().finish(request) : await suiteInstallUseCase().start(request);
    } finally {
      await settleOperationLog();
    }
  },
  { idParameter: 'suiteId' },
);
