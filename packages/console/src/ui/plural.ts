/** "1 agent", "2 agents", "0 agents": a count with its noun (English; the console is in English). `many` for irregular plurals. */
export function plural(count: number, one: string, many = `${one}s`, format: (n: number) => string = String): string {
  return `${format(count)} ${count === 1 ? one : many}`;
}
