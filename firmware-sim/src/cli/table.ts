/** The simulator's startup report: a table for people and one JSON line for programs. */
import type { GateAddresses } from './devices.js';

/** Left-aligned columns, two spaces apart; a cell may hold several lines. */
export function formatTable(header: string[], rows: string[][]): string {
  const split = [header, ...rows].map((row) => row.map((cell) => cell.split('\n')));
  const widths = header.map((_, c) =>
    Math.max(...split.flatMap((row) => (row[c] ?? []).map((l) => l.length))),
  );
  const out: string[] = [];
  for (const row of split) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let l = 0; l < height; l++) {
      out.push(
        row
          .map((cell, c) => (cell[l] ?? '').padEnd(widths[c] ?? 0))
          .join('  ')
          .trimEnd(),
      );
    }
  }
  return out.join('\n');
}

export function addressTable(gates: GateAddresses[]): string {
  const serial = (device: { path: string; ptyPath?: string }) =>
    device.ptyPath ? `${device.path}\n${device.ptyPath}` : device.path;
  const rows = gates.map((gate, i) => {
    const { relay, closedLimit, arrival, passage } = gate.board.pins;
    const pins = `relay ${relay}, closed limit ${closedLimit}\nloops: arrival ${arrival}, passage ${passage}`;
    return [String(i + 1), gate.board.path, serial(gate.camera), serial(gate.rfid), pins];
  });
  return formatTable(['gate', 'board (Firmata)', 'camera (ANPR)', 'rfid (RDM6300)', 'pins'], rows);
}

export const PIN_NOTES =
  'relay HIGH raises the arm (hold mode), closed limit reads HIGH while the arm is down, ' +
  'a loop reads HIGH while a vehicle is over it; the arm takes 1500 ms each way.';

/** One line: {"gates":[{gate, board, camera, rfid, edgeConfig}, …]}. */
export function addressJson(gates: GateAddresses[]): string {
  return JSON.stringify({ gates: gates.map((gate, i) => ({ gate: i + 1, ...gate })) });
}
