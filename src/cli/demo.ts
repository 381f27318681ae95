export const DEMO_USAGE = 'usage: typetls demo\n';
export async function runDemo(_argv: readonly string[]): Promise<number> {
  return Promise.resolve(0);
}
