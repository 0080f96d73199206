/** `--set a.b=c` may repeat. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const setHelp = (examples: string): string => `override a configuration key, e.g. ${examples} (repeatable)`;

/** `--set` help per command: each example is a key that command's file accepts. */
export const SET_HELP = {
  sim: setHelp('--set rounds=5 --set model.hidden=[64,32]'),
  gateway: setHelp('--set experiment.rounds=5 --set listen.port=1884'),
  agent: setHelp('--set device=dev-02 --set gateway.url=mqtt://gateway.local:1883'),
} as const;
