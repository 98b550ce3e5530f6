/** Domain and email normalisation live in the model (mappers use them too); re-exported for the domain. */
export * from '../model/domains.js';
