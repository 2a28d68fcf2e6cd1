import { agentId, buttonCard, corpId, GatewayStub, Harness, startGatewayStub, startHarness } from './support';

const selection = {
  question_key: 'snooze',
  title: 'Snooze for',
  option_list: [
    { id: 'snooze:30', text: '30 min' },
    { id: 'snooze:120', text: '2h' },
    { id: 'snooze:1440', text: '24h' },
  ],
  selected_id: 'snooze:120',
};

describe('wecom card dropdown (button_selection) and update budget', () => {
  let h: Harness;
  let gateway: GatewayStub;
  beforeEach(async () => {
    gateway = await startGatewayStub();
    h = await startHarness({ callbackUrl: gateway.url });
    const sent = await h.api('message/send', { touser: 'zhangsan', msgtype: 'template_card', agentid: agentId, template_card: buttonCard('INC-8', { button_selection: selection }) });
    expect(sent.errcode).toBe(0);
  });
  afterEach(async () => {
    await h.sim.stop();
    await gateway.stop();
  });

  const click = (extra: Record<string, unknown> = {}) =>
    h.control('POST', '/_sim/click', { platform: 'wecom', orgId: corpId, userId: 'zhangsan', cardId: 'INC-8', buttonKey: 'ack:INC-8', ...extra });

  it('draws the dropdown with its options and preselection instead of a body line', () => {
    const card = h.sim.conversations().find((i) => i.card?.cardId === 'INC-8')!.card!;
    expect(card.selection).toEqual({ questionKey: 'snooze', title: 'Snooze for', options: selection.option_list, selectedId: 'snooze:120' });
    expect(card.body ?? '').not.toContain('Snooze for');
  });

  it('a click carries the option chosen in the dropdown as SelectedItems; without a choice, the preselection', async () => {
    expect((await click({ selectedItems: [{ questionKey: 'snooze', optionIds: ['snooze:1440'] }] })).status).toBe(200);
    expect((await click()).status).toBe(200);
    const [chosen, defaulted] = gateway.received.map((c) => c.event as unknown as { SelectedItems: { SelectedItem: { QuestionKey: string; OptionIds: { OptionId: string } } } });
    expect(chosen!.SelectedItems.SelectedItem).toEqual({ QuestionKey: 'snooze', OptionIds: { OptionId: 'snooze:1440' } });
    expect(defaulted!.SelectedItems.SelectedItem).toEqual({ QuestionKey: 'snooze', OptionIds: { OptionId: 'snooze:120' } });
  });

  it('refuses a choice the dropdown does not offer, without sending anything', async () => {
    expect((await click({ selectedItems: [{ questionKey: 'snooze', optionIds: ['snooze:999'] }] })).status).toBe(400);
    expect((await click({ selectedItems: 'snooze:30' })).status).toBe(400);
    expect(gateway.received).toHaveLength(0);
  });

  it('counts the task’s response codes: usable, spent, expired', async () => {
    const now = () => h.sim.clock.now();
    expect(h.sim.wecom.updateBudget(corpId, 'INC-8', now())).toEqual({ usable: 1, spent: 0, expired: 0 });
    await click();
    const code = gateway.received[0]!.event!.ResponseCode!;
    expect((await h.api('message/update_template_card', { userids: ['zhangsan'], agentid: agentId, response_code: code, button: { replace_name: 'Taken' } })).errcode).toBe(0);
    expect(h.sim.wecom.updateBudget(corpId, 'INC-8', now())).toEqual({ usable: 1, spent: 1, expired: 0 });
    h.sim.clock.advance(72 * 3600_000);
    expect(h.sim.wecom.updateBudget(corpId, 'INC-8', now())).toEqual({ usable: 0, spent: 1, expired: 1 });
  });
});
