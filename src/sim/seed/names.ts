/**
 * Word lists for the seeded firm. Mostly ordinary US names, with a deliberate share of names that trip up
 * naive code: apostrophes, hyphens, diacritics (NFC), CJK, particles, very short names.
 */

export const FIRST_NAMES: readonly string[] = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth',
  'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra',
  'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle',
  'Kenneth', 'Dorothy', 'Kevin', 'Carol', 'Brian', 'Amanda', 'George', 'Melissa', 'Timothy', 'Deborah',
  'Ronald', 'Stephanie', 'Jason', 'Rebecca', 'Edward', 'Laura', 'Jeffrey', 'Sharon', 'Ryan', 'Cynthia',
  'Jacob', 'Kathleen', 'Gary', 'Amy', 'Nicholas', 'Angela', 'Eric', 'Shirley', 'Jonathan', 'Anna',
  'Stephen', 'Brenda', 'Larry', 'Pamela', 'Justin', 'Emma', 'Scott', 'Nicole', 'Brandon', 'Helen',
  'Raymond', 'Samantha', 'Gregory', 'Katherine', 'Samuel', 'Christine', 'Benjamin', 'Debra', 'Patrick', 'Rachel',
  'Jamal', 'Aaliyah', 'DeShawn', 'Imani', 'Tyrone', 'Keisha', 'Malik', 'Latoya', 'Darnell', 'Ebony',
  'Luis', 'María', 'Carlos', 'Lucía', 'Juan', 'Guadalupe', 'Alejandro', 'Sofía', 'Miguel', 'Ximena',
  'Priya', 'Arjun', 'Ananya', 'Rohan', 'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Minh', 'Linh',
  'Mohammed', 'Fatima', 'Omar', 'Aisha', 'Dmitri', 'Olga', 'Piotr', 'Agnieszka', 'Sean', 'Aoife',
  // Names with characters that trip up naive code.
  'José', 'Zoë', 'Renée', 'François', 'Siobhán', 'Björn', 'Łukasz', 'Chloé', 'Noël', 'Søren',
  'Anne-Marie', 'Jean-Luc', 'Mary-Kate', 'D\'Andre', 'Ja\'Niyah', 'Günther', 'Inés', 'Raúl', 'Ángel', 'Iñaki',
  'Bo', 'Al', 'Ng', 'Đức', 'Thảo',
];

export const LAST_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes',
  'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper',
  'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson',
  'Patel', 'Shah', 'Chen', 'Wang', 'Li', 'Zhang', 'Tanaka', 'Sato', 'Kowalski', 'Novak',
  'Kaminski', 'Ivanov', 'Petrov', 'Haddad', 'Khan', 'Ali', 'Okafor', 'Adeyemi', 'Mensah', 'Byrne',
  // Awkward surnames.
  'O\'Brien', 'O\'Connor', 'D\'Angelo', 'McAllister', 'MacDonald', 'Nguyễn', 'Trần', 'Müller', 'Schröder', 'Gößmann',
  'García', 'Hernández', 'Muñoz', 'Peña', 'Smith-Jones', 'Garcia-Lopez', 'Van der Berg', 'de la Cruz', 'St. James', 'Al-Farsi',
  'Ní Bhriain', 'Øster', 'Løvås', 'Wójcik', 'Dvořák', 'Çelik', 'Yılmaz', 'Ng', 'Wu', 'O',
];

/** CJK names kept whole: family name first when displayed, no space. */
export const CJK_NAMES: readonly { firstName: string; lastName: string; romanized: string }[] = [
  { firstName: '민준', lastName: '김', romanized: 'minjun.kim' },
  { firstName: '서연', lastName: '이', romanized: 'seoyeon.lee' },
  { firstName: '지훈', lastName: '박', romanized: 'jihoon.park' },
  { firstName: '芳', lastName: '王', romanized: 'fang.wang' },
  { firstName: '伟', lastName: '李', romanized: 'wei.li' },
  { firstName: '秀英', lastName: '张', romanized: 'xiuying.zhang' },
  { firstName: '太郎', lastName: '田中', romanized: 'taro.tanaka' },
  { firstName: 'さくら', lastName: '佐藤', romanized: 'sakura.sato' },
];

/**
 * Client persons that every firm contains (the first clients created), so even a 50-matter firm has the
 * awkward cases. `noCell` / `noEmail` cover clients Case Status cannot text or email.
 */
export const MANDATORY_CLIENT_PERSONS: readonly {
  firstName: string;
  lastName: string;
  middleName?: string;
  noCell?: boolean;
  noEmail?: boolean;
}[] = [
  { firstName: 'José', lastName: 'García', middleName: 'Luis' },
  { firstName: 'Zoë', lastName: 'O\'Brien', noCell: true },
  { firstName: 'Văn An', lastName: 'Nguyễn' },
  { firstName: '민준', lastName: '김', noEmail: true },
  { firstName: 'Jürgen', lastName: 'Müller' },
  { firstName: 'Mary-Kate', lastName: 'Smith-Jones', noCell: true, noEmail: true },
  { firstName: 'Siobhán', lastName: 'Ní Bhriain' },
  { firstName: 'D\'Andre', lastName: 'St. James' },
  { firstName: '芳', lastName: '王' },
];

export const MIDDLE_INITIALS = 'ABCDEFGHJKLMNPRSTW';

export const PERSON_TITLES: readonly string[] = ['Mr', 'Ms', 'Mrs', 'Dr', 'Mx'];

export const EMAIL_DOMAINS: readonly string[] = [
  'gmail.com', 'gmail.com', 'gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com',
  'comcast.net', 'att.net', 'protonmail.com',
];

export const COMPANY_STEMS: readonly string[] = [
  'Acme', 'Lakeshore', 'Prairie', 'Summit', 'Keystone', 'Riverbend', 'Northwind', 'Blue Harbor', 'Granite',
  'Evergreen', 'Midwest', 'Pioneer', 'Redwood', 'Silverline', 'Cornerstone', 'Harborview', 'Oakridge', 'Bayside',
  'Müller & Söhne', 'O\'Hare', 'AT&T', 'Peña', 'Zoë\'s', '東京',
];

export const COMPANY_KINDS: readonly string[] = [
  'Holdings LLC', 'Construction Co.', 'Logistics, Inc.', 'Bakery LLC', 'Dental Group, P.C.', 'Auto Repair',
  'Realty Partners', 'Trucking LLC', 'Consulting Group', 'Properties, LLC', 'Landscaping Inc.', 'Café & Bistro',
  'Medical Associates', 'Software, Inc.', 'Family Trust',
];

export const INSURERS: readonly string[] = [
  'State Farm Mutual Automobile Insurance Company', 'Allstate Insurance Company', 'GEICO', 'Progressive Casualty Insurance Co.',
  'Liberty Mutual Insurance', 'Farmers Insurance Exchange', 'Travelers Indemnity Company', 'USAA', 'Nationwide Mutual',
  'American Family Insurance',
];

export const CREDITORS: readonly string[] = [
  'Capital One, N.A.', 'Discover Bank', 'Synchrony Bank', 'Midland Credit Management, Inc.',
  'Portfolio Recovery Associates, LLC', 'Wells Fargo Bank, N.A.', 'JPMorgan Chase Bank, N.A.',
];

export const EMPLOYERS: readonly string[] = [
  'Amazon.com Services LLC', 'Walmart Inc.', 'UPS', 'Target Corporation', 'Home Depot U.S.A., Inc.',
  'Advocate Health Care', 'City Transit Authority', 'Lakeshore Logistics, Inc.', 'Prairie Construction Co.',
];

export const MEDICAL_PROVIDERS: readonly string[] = [
  'Northwestern Memorial Hospital', 'Rush University Medical Center', 'Athletico Physical Therapy',
  'Advocate Christ Medical Center', 'Midwest Orthopaedics at Rush', 'Concentra Urgent Care', 'Lakeshore Chiropractic',
];

export const STREET_NAMES: readonly string[] = [
  'Oak', 'Maple', 'Lake Shore', 'Main', 'Elm', 'Washington', 'Lincoln', 'Cedar', 'Michigan', 'Halsted',
  'Ashland', 'Western', 'Pine', 'Sunset', 'Park', 'River', 'Highland', 'Church', 'Mill', 'Broadway',
];

export const STREET_TYPES: readonly string[] = ['St', 'Ave', 'Blvd', 'Dr', 'Rd', 'Ln', 'Ct', 'Way'];

export interface UsState {
  code: string;
  name: string;
  cities: readonly string[];
  areaCodes: readonly string[];
}

export const US_STATES: readonly UsState[] = [
  { code: 'IL', name: 'Illinois', cities: ['Chicago', 'Evanston', 'Naperville', 'Oak Park', 'Aurora', 'Joliet', 'Skokie'], areaCodes: ['312', '773', '872', '847', '630', '708', '815'] },
  { code: 'CA', name: 'California', cities: ['Los Angeles', 'San Diego', 'San Jose', 'Oakland', 'Fresno', 'Pasadena', 'Irvine'], areaCodes: ['213', '310', '415', '619', '714', '818', '510'] },
  { code: 'NY', name: 'New York', cities: ['New York', 'Brooklyn', 'Buffalo', 'Yonkers', 'Albany', 'Queens', 'White Plains'], areaCodes: ['212', '718', '917', '646', '516', '914', '347'] },
  { code: 'TX', name: 'Texas', cities: ['Houston', 'Dallas', 'Austin', 'San Antonio', 'El Paso', 'Plano', 'Fort Worth'], areaCodes: ['214', '512', '713', '210', '817', '972', '281'] },
  { code: 'FL', name: 'Florida', cities: ['Miami', 'Orlando', 'Tampa', 'Jacksonville', 'Fort Lauderdale', 'Tallahassee'], areaCodes: ['305', '407', '813', '904', '954', '786', '561'] },
];

/** Normal document names by practice; the awkward ones live in generate.ts. */
export const COMMON_DOCUMENT_NAMES: readonly string[] = [
  'Medical Records.pdf', 'Police Report.pdf', 'Signed Retainer Agreement.pdf', 'Driver License.jpg', 'Insurance Card.jpg',
  'IMG_4821.HEIC', 'IMG_0032.JPG', 'Photo May 3, 2026 at 4.12 PM.png', 'Pay stubs - March.pdf', 'W-2 2025.pdf',
  'Lease.docx', 'Closing Disclosure.pdf', 'Bank Statement Oct.pdf', 'Tax Return 2024.pdf', 'Hospital Bill.pdf',
  'Scan_20260312_0001.pdf', 'Birth Certificate.pdf', 'Passport.pdf', 'Marriage Certificate.pdf', 'Termination Letter.pdf',
  'Offer Letter.docx', 'Settlement Statement.xlsx', 'Invoice 10023.pdf', 'Estimate - Body Shop.pdf', 'Prescription receipts.pdf',
  'Will - Draft 2.docx', 'Death Certificate.pdf', 'Deed.pdf', 'Operating Agreement (signed).pdf', 'Court Notice.pdf',
  'Screenshot 2026-08-14 at 09.41.22.png', 'voicemail.m4a', 'Timeline of events.docx', 'Receipts.zip', 'Notes.txt',
];
