/**
 * HubSpot's CRM v3/v4 wire shapes as Beton reads them (https://developers.hubspot.com/docs/api/crm).
 * Every property value is a string (numbers and dates too) or null; records are stored as sent.
 */

/** The CRM object types Beton reads. */
export type HubspotObjectType = 'companies' | 'contacts' | 'deals';

/** `GET /account-info/v3/details`: the portal a private-app token belongs to. */
export interface HubspotAccountDetails {
  portalId: number;
  accountType?: string;
  uiDomain?: string;
  timeZone?: string;
  companyCurrency?: string;
  [field: string]: unknown;
}

/** One CRM object: id, string-typed properties, timestamps. */
export interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  /** With `propertiesWithHistory`: each property's values, newest first. */
  propertiesWithHistory?: Record<string, HubspotHistoryValue[]>;
  /**
   * Ids of associated objects by type, as `GET …?associations=companies` answers them. Beton fills
   * `companies` for deals read by search (which answers none) from the associations endpoint.
   */
  associations?: Record<string, { results: { id: string; type: string }[] } | undefined>;
}

/** One value in a property's history and what set it. */
export interface HubspotHistoryValue {
  value: string;
  timestamp: string;
  /** `CRM_UI` when a person typed it; `INTEGRATION`, `API`, `IMPORT`, `CALCULATED`, … for tools. */
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

/** A page of a list or search: `paging.next.after` until the last page (which has no `paging`). */
export interface HubspotPage<T> {
  results: T[];
  total?: number;
  paging?: { next?: { after: string; link?: string } };
}

/** `GET /crm/v3/owners`. */
export interface HubspotOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number | null;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
}

/** A company↔contact or company↔deal link, as Beton stores it (one record per pair). */
export interface HubspotAssociation {
  /** `${companyId}:${toId}`. */
  id: string;
  companyId: string;
  toObjectId: string;
  /** HubSpot's association labels (e.g. "Primary"), when it gives any. */
  labels: string[];
}

/** `POST /crm/v4/associations/{from}/{to}/batch/read` answer, one entry per input that has links. */
export interface HubspotAssociationBatch {
  status?: string;
  results: {
    from: { id: string };
    to: { toObjectId: string | number; associationTypes?: { label?: string | null }[] }[];
  }[];
  errors?: HubspotBatchError[];
}

/** A company property definition. */
export interface HubspotProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
}

/** One failed input of a batch (a 207 answer's `errors[]`). */
export interface HubspotBatchError {
  status: string;
  category: string;
  message: string;
  context?: Record<string, string[]>;
}

/** `POST /crm/v3/objects/{type}/batch/*`: 200 with `results`, or 207 with `errors` too. */
export interface HubspotBatchAnswer {
  status: string;
  results: HubspotObject[];
  errors?: HubspotBatchError[];
  numErrors?: number;
}

/** A search filter. */
export interface HubspotFilter {
  propertyName: string;
  operator: 'EQ' | 'GTE' | 'GT' | 'LTE' | 'IN' | 'HAS_PROPERTY';
  value?: string;
  values?: string[];
}

/** The body of `POST /crm/v3/objects/{type}/search`. */
export interface HubspotSearch {
  filterGroups: { filters: HubspotFilter[] }[];
  sorts?: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  properties?: string[];
  limit?: number;
  after?: string;
}

/** HubSpot's error body. */
export interface HubspotError {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  errors?: { message: string; context?: Record<string, string[]> }[];
  context?: Record<string, string[]>;
  errorType?: string;
  policyName?: string;
}

/** A CRM list (`/crm/v3/lists`): Beton keeps static (`MANUAL`) company lists. */
export interface HubspotList {
  listId: string;
  name: string;
  objectTypeId: string;
  processingType: 'MANUAL' | 'DYNAMIC' | 'SNAPSHOT';
  size?: number;
}
