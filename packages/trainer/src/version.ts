/** This package's version, recorded in checkpoints. Keep in step with package.json (a test checks). */
export const TRAINER_VERSION = '0.1.0';
