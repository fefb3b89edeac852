/** The quality bar's fixed configuration (issue 4), shared by bench/quality.ts and the PyTorch reference's data export. */
export const QUALITY_DATA = { noise: 0.05, nTrain: 20000, nTest: 5000, trainSeed: 1, testSeed: 2 } as const;
