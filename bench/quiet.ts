// Imported first by bench scripts: they print their own figures; per-request log lines would bury them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
export {};
