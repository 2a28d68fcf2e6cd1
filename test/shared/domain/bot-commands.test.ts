/**
 * The smart bot's commands (issue 15): English and Chinese words, an optional incident id, snooze
 * lengths (only those the cards offer), and everything else as a question for the model.
 */
import { incidentIdCandidates, parseBotCommand, type BotCommand } from '../../../shared/domain/bot-commands';

const command = (text: string): BotCommand => parseBotCommand(text).command;

describe('parseBotCommand', () => {
  it.each<[string, BotCommand]>([
    ['status', { kind: 'status' }],
    ['STATUS INC-42', { kind: 'status', incidentId: 'INC-42' }],
    ['/status', { kind: 'status' }],
    ['@dutybridge status inc-7', { kind: 'status', incidentId: 'inc-7' }],
    ['@值班机器人\u2005状态', { kind: 'status' }],
    ['status?', { kind: 'status' }],
    ['ack', { kind: 'ack' }],
    ['take INC-1', { kind: 'ack', incidentId: 'INC-1' }],
    ['start', { kind: 'ack' }],
    ['close INC-1', { kind: 'close', incidentId: 'INC-1' }],
    ['Resolve', { kind: 'close' }],
    ['who', { kind: 'who' }],
    ['timeline INC-9', { kind: 'timeline', incidentId: 'INC-9' }],
    ['postmortem', { kind: 'postmortem' }],
    ['post-mortem INC-2', { kind: 'postmortem', incidentId: 'INC-2' }],
    ['pm', { kind: 'postmortem' }],
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['状态 INC-42', { kind: 'status', incidentId: 'INC-42' }],
    ['查看INC-42', { kind: 'status', incidentId: 'INC-42' }],
    ['认领', { kind: 'ack' }],
    ['开始处理 INC-3', { kind: 'ack', incidentId: 'INC-3' }],
    ['处理', { kind: 'ack' }],
    ['处理人', { kind: 'who' }],
    ['负责人 INC-3', { kind: 'who', incidentId: 'INC-3' }],
    ['谁', { kind: 'who' }],
    ['关闭', { kind: 'close' }],
    ['解决 INC-3', { kind: 'close', incidentId: 'INC-3' }],
    ['时间线', { kind: 'timeline' }],
    ['进展', { kind: 'timeline' }],
    ['复盘', { kind: 'postmortem' }],
    ['事后分析 INC-5', { kind: 'postmortem', incidentId: 'INC-5' }],
    ['帮助', { kind: 'help' }],
    ['？', { kind: 'help' }],
  ])('%j → %j', (text, expected) => {
    expect(command(text)).toEqual(expected);
  });

  it.each<[string, BotCommand]>([
    ['snooze', { kind: 'snooze', minutes: 120 }],
    ['snooze 2h', { kind: 'snooze', minutes: 120 }],
    ['snooze 30m', { kind: 'snooze', minutes: 30 }],
    ['snooze 30 minutes', { kind: 'snooze', minutes: 30 }],
    ['Snooze 4 Hours', { kind: 'snooze', minutes: 240 }],
    ['snooze 12h INC-1', { kind: 'snooze', minutes: 720, incidentId: 'INC-1' }],
    ['snooze INC-1 1d', { kind: 'snooze', minutes: 1440, incidentId: 'INC-1' }],
    ['snooze INC-1', { kind: 'snooze', minutes: 120, incidentId: 'INC-1' }],
    ['snooze 0.5h', { kind: 'snooze', minutes: 30 }],
    ['snooze 30', { kind: 'snooze', minutes: 30 }],
    ['暂停', { kind: 'snooze', minutes: 120 }],
    ['暂停2小时', { kind: 'snooze', minutes: 120 }],
    ['暂停 30分钟', { kind: 'snooze', minutes: 30 }],
    ['暂停1天', { kind: 'snooze', minutes: 1440 }],
    ['延后两个小时 INC-8', { kind: 'snooze', minutes: 120, incidentId: 'INC-8' }],
    ['稍后半小时', { kind: 'snooze', minutes: 30 }],
    ['暂停十二小时', { kind: 'snooze', minutes: 720 }],
    ['暂停2小时INC-8', { kind: 'snooze', minutes: 120, incidentId: 'INC-8' }],
  ])('snooze %j → %j', (text, expected) => {
    expect(command(text)).toEqual(expected);
  });

  it('names a length the cards do not offer, as typed, instead of snoozing', () => {
    expect(command('snooze 3h')).toEqual({ kind: 'snooze_invalid', requested: '3h' });
    expect(command('snooze 45 min INC-1')).toEqual({ kind: 'snooze_invalid', requested: '45 min', incidentId: 'INC-1' });
    expect(command('snooze 1.5h')).toEqual({ kind: 'snooze_invalid', requested: '1.5h' });
    expect(command('暂停3小时')).toEqual({ kind: 'snooze_invalid', requested: '3小时' });
    expect(command('暂停 2天')).toEqual({ kind: 'snooze_invalid', requested: '2天' });
  });

  it('takes a command word followed by other words as a question, with the text trimmed', () => {
    expect(command('  status of the database please ')).toEqual({ kind: 'text', text: 'status of the database please' });
    expect(command('who is on call for payments?')).toEqual({ kind: 'text', text: 'who is on call for payments?' });
    expect(command('snooze for a while please')).toEqual({ kind: 'text', text: 'snooze for a while please' });
    expect(command('help me read this graph')).toEqual({ kind: 'text', text: 'help me read this graph' });
    expect(command('statuses')).toEqual({ kind: 'text', text: 'statuses' });
    expect(command('进展如何？')).toEqual({ kind: 'text', text: '进展如何？' });
    expect(command('谁在处理这个问题')).toEqual({ kind: 'text', text: '谁在处理这个问题' });
    expect(command('why is checkout slow')).toEqual({ kind: 'text', text: 'why is checkout slow' });
  });

  it('answers in Chinese when the text has a Han character, else in English', () => {
    expect(parseBotCommand('状态').locale).toBe('zh');
    expect(parseBotCommand('数据库为什么慢').locale).toBe('zh');
    expect(parseBotCommand('status INC-1').locale).toBe('en');
    expect(parseBotCommand('why is checkout slow').locale).toBe('en');
    expect(parseBotCommand('what does 超时 mean').locale).toBe('zh');
  });

  it('refuses an incident id the bot does not accept (too long or starting with punctuation) as a question', () => {
    expect(command(`status ${'A'.repeat(129)}`).kind).toBe('text');
    expect(command(`status ${'A'.repeat(128)}`)).toEqual({ kind: 'status', incidentId: 'A'.repeat(128) });
    expect(command('status -rf')).toEqual({ kind: 'text', text: 'status -rf' });
  });
});

describe('incidentIdCandidates', () => {
  it('finds id-like words of a question, in order, without trailing punctuation', () => {
    expect(incidentIdCandidates('what broke in INC-42? and inc-7.')).toEqual(['INC-42', 'inc-7']);
    expect(incidentIdCandidates('INC-1的影响是什么？')).toEqual(['INC-1']);
    expect(incidentIdCandidates('看一下 INC-9 和 P1-2023，谢谢')).toEqual(['INC-9', 'P1-2023']);
    expect(incidentIdCandidates('no ids here at all, ok?')).toEqual([]);
    expect(incidentIdCandidates('a1x b2y c3z d4w')).toEqual(['a1x', 'b2y', 'c3z']);
  });
});
