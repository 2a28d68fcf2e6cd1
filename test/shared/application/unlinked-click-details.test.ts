/** An unlinked person's click is recorded as app_not_linked with the `links set` command for their user id. */
import { unlinkedClickDetails } from '../../../shared/application/drops';

describe('unlinkedClickDetails', () => {
  it('names the WeCom userid, what they were told, and the command that links them', () => {
    expect(unlinkedClickDetails({ platform: 'wecom', integrationId: 'w1', incidentId: 'inc-1', userId: 'zhangsan' }, 'they were sent how to link')).toEqual({
      result: 'dropped',
      reasonCode: 'app_not_linked',
      reason: 'a click by WeCom userid zhangsan changed nothing: no member is linked to that userid in w1 (they were sent how to link); link them with `npx dutybridge links set --integration w1 --email <their email> --user-id zhangsan`',
      incidentId: 'inc-1',
      integrationId: 'w1',
      platform: 'wecom',
      recipient: 'zhangsan',
      channel: 'click',
      userId: 'zhangsan',
    });
  });

  it('says userId for DingTalk', () => {
    const details = unlinkedClickDetails({ platform: 'dingtalk', integrationId: 'd1', incidentId: 'inc-2', userId: 'u9' }, 'the card told them to ask for a link');
    expect(details.reason).toBe(
      'a click by DingTalk userId u9 changed nothing: no member is linked to that userId in d1 (the card told them to ask for a link); link them with `npx dutybridge links set --integration d1 --email <their email> --user-id u9`',
    );
    expect(details).toMatchObject({ platform: 'dingtalk', recipient: 'u9', channel: 'click', userId: 'u9', incidentId: 'inc-2', integrationId: 'd1' });
  });
});
