export * from './catalog.js';
export * from './errors.js';
export * from './parse.js';
export * from './requestForm.js';
export * from './requests.js';
export * from './search.js';
