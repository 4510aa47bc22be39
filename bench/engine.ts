/** engine benchmark (placeholder). */
export async function benchEngine(_o: { quick: boolean }): Promise<void> {
  console.log('not built yet');
}
