/** clip benchmark (placeholder). */
export async function benchClip(_o: { quick: boolean }): Promise<void> {
  console.log('not built yet');
}
