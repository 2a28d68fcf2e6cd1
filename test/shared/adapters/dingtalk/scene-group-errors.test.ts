/** Scene-group refusals are classified permanent, each with plain words (create-a-scene-group's error table). */
import { classifyNewApiAnswer } from '../../../../shared/adapters/dingtalk/errors';

describe('scene-group error codes', () => {
  it.each([
    ['groupTemplate.notFound', /template id is wrong, or the template is not reviewed and published/],
    ['member.notFound', /not an employee of the org/],
    ['member.exceed', /member limit \(1000 members\)/],
    ['permession.checkFailed', /owner is outside the app's visible range/],
    ['groupTemplate.permessionDenied.orgNotInGrayList', /gray list/],
  ])('%s is permanent with a plain reason', (code, reason) => {
    const classified = classifyNewApiAnswer(400, { code, message: '…', requestid: 'r' });
    expect(classified).toMatchObject({ kind: 'permanent', code });
    expect(classified.reason).toMatch(reason);
    expect(classified.reason).toContain(`HTTP 400 ${code}`);
  });

  it('system.error (HTTP 500) is retried; an unknown code keeps the generic reason', () => {
    expect(classifyNewApiAnswer(500, { code: 'system.error', message: '请重试' }).kind).toBe('retry');
    expect(classifyNewApiAnswer(400, { code: 'parameter.invalid', message: '输入参数错误' }).reason).toMatch(/the request was refused$/);
    expect(classifyNewApiAnswer(200, { success: false }).kind).toBe('permanent');
  });
});
