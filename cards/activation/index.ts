export * from './activationCard.js';
export * from './activeRolesSection.js';
export * from './format.js';
export * from './formCard.js';
export * from './listCard.js';
export * from './stepUpCard.js';
