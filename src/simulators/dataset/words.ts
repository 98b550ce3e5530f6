/** Word lists the dataset draws from. Plain data: nothing here is random by itself. */

export const NAME_STEMS_A = [
  'Acme', 'Apex', 'Arbor', 'Atlas', 'Aurora', 'Beacon', 'Birch', 'Blue', 'Bolt', 'Bright', 'Cedar',
  'Cinder', 'Clear', 'Cobalt', 'Copper', 'Coral', 'Crest', 'Crown', 'Delta', 'Drift', 'Echo', 'Ember',
  'Falcon', 'Fern', 'Flint', 'Forge', 'Frost', 'Golden', 'Granite', 'Harbor', 'Hazel', 'Helix', 'Iron',
  'Ivory', 'Jade', 'Juniper', 'Keystone', 'Lark', 'Lumen', 'Maple', 'Marble', 'Meadow', 'Mesa', 'Nimbus',
  'North', 'Nova', 'Oak', 'Onyx', 'Orbit', 'Pine', 'Pioneer', 'Polar', 'Prism', 'Quartz', 'Quill',
  'Raven', 'Red', 'Ridge', 'River', 'Sable', 'Sage', 'Silver', 'Slate', 'Solar', 'Spruce', 'Stone',
  'Summit', 'Swift', 'Tidal', 'Timber', 'True', 'Umber', 'Vale', 'Vector', 'Velvet', 'Vertex', 'Willow',
  'Zenith', 'Zephyr', 'Amber', 'Basalt', 'Canyon', 'Dune', 'Evergreen', 'Fjord', 'Glacier', 'Horizon',
];

export const NAME_STEMS_B = [
  'bay', 'bridge', 'brook', 'cast', 'cloud', 'core', 'craft', 'dale', 'desk', 'field', 'flow', 'ford',
  'gate', 'grid', 'grove', 'hive', 'hub', 'lane', 'leaf', 'light', 'line', 'link', 'loop', 'mark',
  'mind', 'mint', 'path', 'peak', 'point', 'port', 'scale', 'shift', 'side', 'signal', 'spark', 'stack',
  'star', 'stream', 'ware', 'wave', 'well', 'wind', 'works', 'yard',
];

export const NAME_SUFFIXES = [
  'Labs', 'Analytics', 'Systems', 'Software', 'Health', 'Logistics', 'Finance', 'Commerce', 'Media',
  'Robotics', 'Security', 'Cloud', 'Data', 'AI', 'Studio', 'Group', 'Technologies', 'Networks', 'Energy',
  'Learning', 'Bio', 'Capital', 'Foods', 'Mobility', 'Partners', 'Digital', 'Insights', 'Works', '', '',
];

export const TLDS: readonly (readonly [string, number])[] = [
  ['com', 60], ['io', 18], ['co', 6], ['ai', 5], ['dev', 2], ['de', 3], ['fr', 2], ['co.uk', 2], ['app', 2],
];

export const INDUSTRIES = [
  'Computer Software', 'Information Technology & Services', 'Financial Services', 'Hospital & Health Care',
  'Marketing & Advertising', 'E-Learning', 'Retail', 'Logistics & Supply Chain', 'Internet',
  'Computer & Network Security', 'Real Estate', 'Management Consulting', 'Media Production',
  'Biotechnology', 'Renewables & Environment', 'Insurance', 'Telecommunications', 'Automotive',
];

export const LOCATIONS: readonly (readonly [string, string, number])[] = [
  ['US', 'San Francisco', 14], ['US', 'New York', 12], ['US', 'Austin', 6], ['US', 'Seattle', 5],
  ['US', 'Boston', 5], ['US', 'Chicago', 4], ['GB', 'London', 9], ['DE', 'Berlin', 6], ['DE', 'Munich', 3],
  ['FR', 'Paris', 5], ['NL', 'Amsterdam', 4], ['SE', 'Stockholm', 2], ['CA', 'Toronto', 4],
  ['CA', 'Vancouver', 2], ['AU', 'Sydney', 3], ['IN', 'Bangalore', 4], ['SG', 'Singapore', 2],
  ['BR', 'São Paulo', 2], ['ES', 'Barcelona', 2], ['IE', 'Dublin', 2], ['PL', 'Warsaw', 2], ['IL', 'Tel Aviv', 2],
];

export const FIRST_NAMES = [
  'Aaliyah', 'Aaron', 'Abigail', 'Adam', 'Aiden', 'Alex', 'Alice', 'Amara', 'Amelia', 'Ana', 'Andre',
  'Anna', 'Arjun', 'Ava', 'Ben', 'Bianca', 'Carla', 'Carlos', 'Chen', 'Chloe', 'Daniel', 'David', 'Diego',
  'Elena', 'Eli', 'Emma', 'Ethan', 'Fatima', 'Felix', 'Grace', 'Hannah', 'Hiro', 'Ibrahim', 'Isla', 'Ivan',
  'Jack', 'James', 'Jana', 'Jonas', 'Julia', 'Kai', 'Kenji', 'Laura', 'Leo', 'Lina', 'Lucas', 'Maya',
  'Mei', 'Mia', 'Mohammed', 'Nadia', 'Noah', 'Nora', 'Olivia', 'Omar', 'Priya', 'Rafael', 'Ravi', 'Rosa',
  'Sam', 'Sara', 'Sofia', 'Tariq', 'Theo', 'Tom', 'Valentina', 'Wei', 'Yara', 'Yusuf', 'Zoe', 'Lukas',
  'Marta', 'Nikhil', 'Oscar', 'Paula', 'Quinn', 'Rina', 'Stefan', 'Tessa', 'Uma', 'Viktor', 'Wanda',
];

export const LAST_NAMES = [
  'Adams', 'Ahmed', 'Alvarez', 'Andersson', 'Bauer', 'Becker', 'Brown', 'Chen', 'Costa', 'Davis', 'Dubois',
  'Fischer', 'Garcia', 'Gupta', 'Hansen', 'Hernandez', 'Ito', 'Jansen', 'Johnson', 'Kaur', 'Kim', 'Kowalski',
  'Lee', 'Lopez', 'Martin', 'Meyer', 'Miller', 'Moreau', 'Müller', 'Nakamura', 'Nguyen', 'Novak', "O'Brien",
  'Okafor', 'Patel', 'Perez', 'Petrov', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Singh', 'Smith', 'Suzuki',
  'Tanaka', 'Taylor', 'Thompson', 'Van Dijk', 'Wagner', 'Walker', 'Wang', 'Weber', 'Williams', 'Wilson',
  'Yamamoto', 'Zhang', 'Rivera', 'Cohen', 'Larsen', 'Ivanova', 'Horvat', 'Popescu', 'Mensah', 'Haddad',
];

export const FREE_MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'hotmail.com', 'icloud.com', 'proton.me'];

/** Titles per department; the seniority word is prepended for managers and up. */
export const DEPARTMENT_ROLES: Record<string, readonly string[]> = {
  engineering: ['Software Engineer', 'Backend Engineer', 'Frontend Engineer', 'DevOps Engineer', 'QA Engineer'],
  product: ['Product Manager', 'Product Analyst', 'Product Owner'],
  design: ['Product Designer', 'UX Researcher', 'UI Designer'],
  marketing: ['Growth Marketer', 'Content Marketer', 'Marketing Analyst', 'Demand Generation Specialist'],
  sales: ['Account Executive', 'Sales Development Representative', 'Solutions Engineer'],
  customer_success: ['Customer Success Manager', 'Support Specialist', 'Implementation Consultant'],
  finance: ['Financial Analyst', 'Accountant', 'FP&A Analyst'],
  operations: ['Operations Analyst', 'Business Operations Associate', 'RevOps Analyst'],
  data: ['Data Analyst', 'Data Engineer', 'Analytics Engineer', 'Data Scientist'],
  executive: ['Chief of Staff'],
};

/** The area a senior title names ("Director of Engineering", "VP Sales"). */
export const DEPARTMENT_AREA: Record<string, string> = {
  engineering: 'Engineering',
  product: 'Product',
  design: 'Design',
  marketing: 'Marketing',
  sales: 'Sales',
  customer_success: 'Customer Success',
  finance: 'Finance',
  operations: 'Operations',
  data: 'Data',
  executive: 'Operations',
};

export const C_LEVEL_TITLES = ['CEO', 'CTO', 'COO', 'CFO', 'Chief Product Officer', 'Co-founder'];

export const FEATURES = ['dashboards', 'funnels', 'alerts', 'exports', 'sql_editor', 'integrations', 'api'];

export const TECHNOLOGIES = [
  'AWS', 'Google Cloud', 'Azure', 'Salesforce', 'HubSpot', 'Slack', 'Zendesk', 'Intercom', 'Segment',
  'Snowflake', 'React', 'Kubernetes', 'Stripe', 'Shopify', 'Google Analytics', 'Jira', 'Notion', 'Figma',
];

export const FUNDING_STAGES = ['Seed', 'Series A', 'Series B', 'Series C', 'Series D', 'Venture (Round not Specified)'];
