/** The separators `slug` accepts (a second file of the plugin: folder plugins may have many). */
export const SEPARATORS = ['-', '_', '.'] as const;
