export * from './details.js';
export * from './format.js';
export * from './mine.js';
export * from './packageList.js';
export * from './requestForm.js';
export * from './status.js';
