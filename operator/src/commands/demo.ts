/** `alertiger demo`: not built yet (see the open issues). */
export async function run(_args: string[]): Promise<number> {
  process.stderr.write('alertiger demo: not built yet\n');
  return 2;
}
