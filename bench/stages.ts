/** stages benchmark (placeholder). */
export async function benchStages(_o: { quick: boolean }): Promise<void> {
  console.log('not built yet');
}
