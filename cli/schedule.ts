import type { Command } from 'commander';
import { output, withClient } from './connect.js';
import { registerScoreScheduleCommand } from './score.js';

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description("the models' Temporal Schedules: drift checks and periodic retraining");

  schedule
    .command('ls')
    .description('every schedule, with its interval, state and next run')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withClient(async (client) => {
        const rows: { id: string; paused: boolean; every: string; next?: string }[] = [];
        for await (const summary of client.schedule.list()) {
          const interval = summary.spec?.intervals?.[0]?.every;
          rows.push({ id: summary.scheduleId, paused: summary.state.paused, every: interval === undefined ? '-' : `${Number(interval) / 1000} s`, next: summary.info.nextActionTimes[0]?.toISOString() });
        }
        output(options.json ?? false, rows, () => (rows.length ? rows.map((r) => `${r.id.padEnd(36)} every ${r.every.padEnd(8)} ${r.paused ? 'paused ' : 'active '} next ${r.next ?? '-'}`) : ['no schedules yet: a model gets its drift check when it is first deployed']));
      });
    });

  const act = (name: 'pause' | 'resume' | 'trigger', description: string) =>
    schedule
      .command(name)
      .description(description)
      .argument('<schedule-id>', 'e.g. drift-check:flight-delay')
      .action(async (id: string) => {
        await withClient(async (client) => {
          const handle = client.schedule.getHandle(id);
          if (name === 'pause') await handle.pause('paused from the ctrain CLI');
          else if (name === 'resume') await handle.unpause('resumed from the ctrain CLI');
          else await handle.trigger();
          console.log(`${id}: ${name === 'trigger' ? 'triggered' : `${name}d`}`);
        });
      });
  act('pause', 'pause a schedule');
  act('resume', 'resume a paused schedule');
  act('trigger', 'run a schedule’s action now');
  registerScoreScheduleCommand(schedule);
}
