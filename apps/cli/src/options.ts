/** `--set a.b=c` may repeat. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const SET_HELP = 'override a configuration key, e.g. --set rounds=5 --set model.hidden=[64,32] (repeatable)';
