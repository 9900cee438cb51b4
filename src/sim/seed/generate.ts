/**
 * Deterministic seeded-firm generator. `generateFirm({ seed, matters })` builds a whole law firm (staff,
 * matter types, stage sets, contacts, matters, matter stages) plus the Case Status side (messages and
 * documents keyed by matter id). The same seed and size always give deep-equal output; everything is drawn
 * from one mulberry32 stream, so any change to the draw order here changes every firm (that is fine: tests
 * compare against a fresh run, not a stored snapshot).
 *
 * The data is realistic where it matters to the sync (Smokeball shapes, US phones, status and stage mixes)
 * and deliberately awkward where real firms are (unicode names, clients without a cell, shared clients,
 * HTML/RTF/control characters in messages, hostile file names). See docs/simulators/seed.md.
 */
import { createRng, intBetween, pick, type Rng } from '../common/random.js';
import { msToTicks } from '../common/ticks.js';
import type {
  CaseDocumentSeed,
  CaseMessageSeed,
  CompanyDetails,
  ContactRecord,
  MatterRecord,
  MatterStageRecord,
  MatterStatus,
  MatterTypeRecord,
  PersonDetails,
  PhoneNumber,
  SeededFirm,
  SenderRole,
  StaffRecord,
  StageRecord,
  StageSetRecord,
} from './firm-model.js';
import {
  CJK_NAMES,
  COMMON_DOCUMENT_NAMES,
  COMPANY_KINDS,
  COMPANY_STEMS,
  CREDITORS,
  EMAIL_DOMAINS,
  EMPLOYERS,
  FIRST_NAMES,
  INSURERS,
  LAST_NAMES,
  MANDATORY_CLIENT_PERSONS,
  MEDICAL_PROVIDERS,
  MIDDLE_INITIALS,
  PERSON_TITLES,
  STREET_NAMES,
  STREET_TYPES,
  US_STATES,
  type UsState,
} from './names.js';

/** 2026-11-01T00:00:00Z: the default "now" so a firm does not depend on the wall clock. */
export const DEFAULT_NOW_MS = Date.UTC(2026, 10, 1);

export interface GenerateFirmOptions {
  seed: number;
  /** Exact number of matters (leads included). */
  matters: number;
  /** Unix ms treated as "now": every timestamp is at or before it. Default DEFAULT_NOW_MS. */
  now?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

// ---------------------------------------------------------------------------------------------------------
// Practice areas

type OtherSideKind = 'insurer' | 'spouse' | 'seller' | 'state' | 'creditor' | 'employer' | 'defendant' | 'none';

interface PracticeArea {
  name: string;
  abbr: string;
  category: string;
  weight: number;
  /** Chance that a matter has two clients (spouses buying a house, a couple's estate plan). */
  twoClients: number;
  otherSide: OtherSideKind;
  otherSideChance: number;
  stageSetName: string;
  /** Stage names in workflow order; `true` marks a deleted stage. */
  stages: readonly (readonly [string, boolean?])[];
  descriptions: readonly string[];
  /** Uses the firm's second state rather than its home state. */
  secondState?: boolean;
}

const PRACTICE_AREAS: readonly PracticeArea[] = [
  {
    name: 'Personal Injury',
    abbr: 'PI',
    category: 'Personal Injury',
    weight: 22,
    twoClients: 0.08,
    otherSide: 'insurer',
    otherSideChance: 0.85,
    stageSetName: 'Personal Injury Workflow',
    stages: [
      ['Intake'],
      ['Investigation'],
      ['Pre-Lit Review', true],
      ['Treatment'],
      ['Demand Sent'],
      ['Negotiation'],
      ['Settled'],
      ['Awaiting Lien Resolution'],
      ['Closed'],
    ],
    descriptions: [
      'Motor vehicle accident on {date} at {street}, {city}. Client was rear-ended; treating with {provider}.',
      'Slip and fall at a grocery store on {date}. Fractured wrist; incident report requested.',
      "Dog bite on {date} near {street}; homeowner's policy with {insurer}",
      'T-bone collision at the intersection of {street} and {street2} on {date}. Policy limits $100,000.',
    ],
  },
  {
    name: 'Family Law - Divorce',
    abbr: 'FL',
    category: 'Family Law',
    weight: 10,
    twoClients: 0,
    otherSide: 'spouse',
    otherSideChance: 0.9,
    stageSetName: 'Dissolution of Marriage',
    stages: [
      ['Consultation'],
      ['Petition Filed'],
      ['Service of Process'],
      ['Temporary Orders', true],
      ['Discovery'],
      ['Mediation'],
      ['Judgment Entered'],
      ['Closed'],
    ],
    descriptions: [
      'Dissolution of marriage; two minor children. Contested parenting time.',
      'Uncontested divorce, married {years} years. Marital home at {street}, {city}.',
      'Petition for dissolution; maintenance and division of retirement accounts at issue.',
    ],
  },
  {
    name: 'Estate Planning',
    abbr: 'EP',
    category: 'Estate Planning',
    weight: 12,
    twoClients: 0.45,
    otherSide: 'none',
    otherSideChance: 0.02,
    stageSetName: 'Estate Planning',
    stages: [['Initial Meeting'], ['Drafting'], ['Client Review'], ['Signing Scheduled'], ['Executed'], ['Funding Trust']],
    descriptions: [
      'Revocable living trust, pour-over wills, powers of attorney for property and health care.',
      'Simple wills and health care directives.',
      'Trust restatement after move to {city}; update beneficiaries.',
    ],
  },
  {
    name: 'Real Estate - Purchase',
    abbr: 'RE',
    category: 'Real Estate',
    weight: 10,
    twoClients: 0.4,
    otherSide: 'seller',
    otherSideChance: 0.7,
    stageSetName: 'Residential Purchase',
    stages: [['Contract Received'], ['Attorney Review'], ['Inspection'], ['Title & Survey'], ['Clear to Close'], ['Closed'], ['Post-Closing']],
    descriptions: [
      'Purchase of {number} {street}, {city}. Purchase price ${amount}.',
      'Condo purchase, unit {unit}, {number} {street}, {city}; HOA documents pending.',
    ],
  },
  {
    name: 'Criminal Defense',
    abbr: 'CR',
    category: 'Criminal',
    weight: 8,
    twoClients: 0,
    otherSide: 'state',
    otherSideChance: 0.95,
    stageSetName: 'Criminal Case',
    stages: [['Arraignment'], ['Discovery'], ['Pretrial Motions'], ['Pending Court Date Reset'], ['Plea Negotiations'], ['Trial'], ['Sentencing'], ['Closed']],
    descriptions: [
      'DUI arrest on {date}; first offense. Statutory summary suspension hearing requested.',
      'Misdemeanor retail theft; court date pending.',
      'Aggravated battery charge; bond hearing held {date}.',
    ],
  },
  {
    name: 'Immigration',
    abbr: 'IM',
    category: 'Immigration',
    weight: 7,
    twoClients: 0.1,
    otherSide: 'none',
    otherSideChance: 0.01,
    stageSetName: 'Immigration Petition',
    secondState: true,
    stages: [['Intake'], ['Document Collection'], ['Filed with USCIS'], ['RFE Received'], ['Interview Scheduled'], ['Decision'], ['Closed']],
    descriptions: [
      'I-130 petition for spouse; adjustment of status (I-485).',
      'Naturalization (N-400). Lawful permanent resident since {year}.',
      'H-1B extension; employer {employer}.',
    ],
  },
  {
    name: 'Bankruptcy - Chapter 7',
    abbr: 'BK',
    category: 'Bankruptcy',
    weight: 6,
    twoClients: 0.25,
    otherSide: 'creditor',
    otherSideChance: 0.5,
    stageSetName: 'Chapter 7',
    stages: [['Intake'], ['Credit Counseling'], ['Petition Filed'], ['341 Meeting'], ['Discharge'], ['Closed']],
    descriptions: ['Chapter 7; approx. ${amount} unsecured debt. Means test passed.', 'Chapter 7 with vehicle reaffirmation; creditor garnishment pending.'],
  },
  {
    name: "Workers' Compensation",
    abbr: 'WC',
    category: 'Workers Compensation',
    weight: 7,
    twoClients: 0,
    otherSide: 'employer',
    otherSideChance: 0.9,
    stageSetName: "Workers' Comp",
    stages: [['Claim Filed'], ['Medical Treatment'], ['IME Scheduled'], ['Awaiting TTD Payments'], ['Settlement Contract'], ['Closed']],
    descriptions: [
      'Lower back injury lifting boxes at work on {date}. TTD benefits disputed.',
      'Shoulder injury (rotator cuff) on {date}; surgery scheduled at {provider}.',
    ],
  },
  {
    name: 'Business Formation',
    abbr: 'BF',
    category: 'Business',
    weight: 5,
    twoClients: 0.2,
    otherSide: 'none',
    otherSideChance: 0.02,
    stageSetName: 'Business Formation',
    stages: [['Intake'], ['Name Reservation', true], ['Entity Filing'], ['EIN & Registrations'], ['Operating Agreement'], ['Complete']],
    descriptions: [
      'Form single-member LLC in {stateName}; registered agent and operating agreement.',
      'S-corp election and shareholder agreement for three founders.',
    ],
  },
  {
    name: 'Probate',
    abbr: 'PR',
    category: 'Probate',
    weight: 5,
    twoClients: 0.2,
    otherSide: 'none',
    otherSideChance: 0.05,
    stageSetName: 'Probate Administration',
    stages: [['Petition Filed'], ['Letters Issued'], ['Notice to Creditors'], ['Inventory'], ['Claims Period'], ['Final Accounting'], ['Estate Closed']],
    descriptions: ['Independent administration of the estate of {decedent}, died {date}.', 'Small estate affidavit; decedent {decedent}.'],
  },
  {
    name: 'Employment',
    abbr: 'EM',
    category: 'Employment',
    weight: 4,
    twoClients: 0,
    otherSide: 'employer',
    otherSideChance: 0.9,
    stageSetName: 'Employment Claim',
    stages: [['Intake'], ['EEOC Charge Filed'], ['Right to Sue Letter'], ['Mediation'], ['Litigation'], ['Resolved']],
    descriptions: ['Wrongful termination and unpaid overtime; terminated {date}.', 'Pregnancy discrimination charge; EEOC charge filed {date}.'],
  },
  {
    name: 'Civil Litigation',
    abbr: 'CL',
    category: 'Litigation',
    weight: 4,
    twoClients: 0.1,
    otherSide: 'defendant',
    otherSideChance: 0.95,
    stageSetName: 'Civil Litigation',
    stages: [['Pleadings'], ['Discovery'], ['Waiting on Opposing Counsel'], ['Depositions'], ['Dispositive Motions'], ['Trial Prep'], ['Judgment']],
    descriptions: ['Breach of contract; ${amount} in unpaid invoices.', 'Contractor dispute over remodel at {number} {street}, {city}.'],
  },
];

/** Intake pipeline for leads (matter type `type: 1`). */
const LEAD_AREA: PracticeArea = {
  name: 'General Inquiry',
  abbr: 'LD',
  category: 'Leads',
  weight: 0,
  twoClients: 0,
  otherSide: 'none',
  otherSideChance: 0,
  stageSetName: 'Lead Pipeline',
  stages: [['New Inquiry'], ['Consultation Scheduled'], ['Conflict Check'], ['Retained'], ['Declined']],
  descriptions: ['Web inquiry: {shortIssue}', 'Phone intake: {shortIssue}'],
};

/** A retired practice area: deleted matter type with a deleted stage set; no matter uses it. */
const RETIRED_AREA: PracticeArea = {
  name: 'Traffic Violations',
  abbr: 'TR',
  category: 'Criminal',
  weight: 0,
  twoClients: 0,
  otherSide: 'none',
  otherSideChance: 0,
  stageSetName: 'Traffic (retired)',
  stages: [['Ticket Review'], ['Court Date'], ['Resolved']],
  descriptions: [],
};

const SHORT_ISSUES = [
  'car accident last week',
  "landlord won't return deposit",
  'question about a will',
  'fired after injury',
  'needs help with green card',
  'DUI arrest',
];

// ---------------------------------------------------------------------------------------------------------
// Message and document content

const CLIENT_MESSAGES: readonly string[] = [
  'Hi, is there any update on my case?',
  'I just uploaded the bills from my last doctor visit.',
  "Can we reschedule Thursday's call? Something came up at work.",
  'Thank you for the update!',
  'The insurance adjuster called me again today. What should I tell them?',
  'When is my next court date?',
  "I got a letter in the mail from the other side's lawyer. Should I send it to you?",
  'Ok sounds good',
  'I finished physical therapy this week.',
  'Do you need anything else from me?',
  'My new address is {number} {street}, {city}.',
  'Can you explain what the next stage means?',
  'thanks',
  'I signed the documents and dropped them off at the front desk.',
  'Who should I call if I have questions while you are out?',
];

const STAFF_MESSAGES: readonly string[] = [
  'Hi {first}, we received the records from {provider}. We will review them this week.',
  'Hi {first}, just a reminder that your appointment is on Tuesday at 10:00 AM.',
  'We sent the demand letter today. The insurer usually responds within 30 days.',
  'Please upload a photo of your insurance card when you get a chance.',
  'Your case has moved to the next stage. Let us know if you have any questions.',
  'We filed the petition today; the court will assign a case number shortly.',
  'Thanks, {first}. We got it.',
  'Please do not speak with the adjuster directly; refer them to our office.',
  'Hi {first}, can you sign the attached authorization and send it back?',
  'Your hearing has been continued. We will send the new date once the clerk confirms.',
  'Good news: the other side accepted our counteroffer. We will call you to go over the details.',
  'Hi {first}, our office will be closed Monday for the holiday.',
];

const LONG_MESSAGE_SENTENCES: readonly string[] = [
  "I wanted to write everything down so I don't forget anything before our meeting.",
  'The accident happened around 5:30 in the evening and it was already getting dark.',
  'My neck has been hurting every morning and the pain goes down into my left arm.',
  'The other driver said he was sorry at the scene but later told the police a different story.',
  'I missed eleven days of work in total and my manager has the exact dates.',
  'My sister drove me to the first two therapy appointments because I could not turn my head.',
  'I still have the receipts for the prescriptions and the neck brace in a folder at home.',
  'The body shop said the frame was bent and the car might be a total loss.',
];

function longMessage(): string {
  const parts: string[] = [];
  let len = 0;
  let i = 0;
  while (len < 5000) {
    const s = LONG_MESSAGE_SENTENCES[i % LONG_MESSAGE_SENTENCES.length] as string;
    const sep = i % 5 === 4 ? '\n\n' : ' ';
    parts.push(s, sep);
    len += s.length + sep.length;
    i++;
  }
  return parts.join('').slice(0, 5000);
}

/** Message bodies that stress HTML/RTF conversion and text handling. Every firm gets each at least once. */
export const AWKWARD_MESSAGE_BODIES: readonly string[] = [
  '<b>Urgent:</b> please call me back <i>today</i>',
  'Is this safe? <script>alert(1)</script>',
  'Here is the link: <a href="https://example.com/upload?case=1&x=2">click here</a>',
  'Thank you so much!! 🙏🏽😊👍 See you Tuesday 📅',
  '¿Cuándo es la próxima audiencia? Gracias — José Muñoz',
  'Спасибо! 谢谢! 감사합니다! شكراً جزيلاً',
  'The file is at C:\\Users\\jose\\Documents\\{claim}\\notes.rtf and {\\rtf1 this is not} mine \\par',
  longMessage(),
  'Ring\u0007 ring: there is a bell character here',
  'Null here:\u0000after the null',
  'Line one\r\nLine two\r\n\r\nThanks,\r\nMaria',
  'Tabs\tand trailing spaces   ',
  'Costs were $1,500 & 50% < 100% > 0 "quoted" \'single\'',
  'Cafe\u0301 receipt attached (decomposed accent)',
];

function makeLongFileName(): string {
  let s = '';
  while (s.length < 296) s += 'Very Long Deposition Transcript Name ';
  return `${s.slice(0, 296)}.pdf`;
}

/** File names that break naive file handling. Every firm gets each at least once. */
export const AWKWARD_FILE_NAMES: readonly string[] = [
  'CON',
  'aux.txt',
  'LPT1.pdf',
  'report:final?.docx',
  'a/b\\c.pdf',
  'trailing dot.',
  '  spaces  .pdf',
  're\u0301sume\u0301 (1).pdf', // NFD: e + combining acute
  makeLongFileName(),
  'Scan0001',
  '.hidden',
  '名前.xlsx',
  'file*with|pipes<and>quotes".pdf',
  'emoji 📎 attachment.png',
  'double..dots..pdf',
  'UPPERCASE.PDF',
  'archive.tar.gz',
];

// ---------------------------------------------------------------------------------------------------------
// Small helpers

function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

function weightedIndex(rng: Rng, cumulative: readonly number[]): number {
  const total = cumulative[cumulative.length - 1] as number;
  const r = rng() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r < (cumulative[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulativeWeights(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** Ticks at `ms` plus a random sub-millisecond part, like real Smokeball values. Never exceeds ticks(ms + 1) - 1. */
function ticksAt(rng: Rng, ms: number): bigint {
  return msToTicks(ms) + BigInt(Math.floor(rng() * 10_000));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function between(rng: Rng, lo: number, hi: number): number {
  return hi <= lo ? lo : lo + Math.floor(rng() * (hi - lo));
}

function shuffleInPlace<T>(rng: Rng, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
}

/** ASCII-folds a name for email addresses ('Nguyễn' -> 'nguyen'); '' if nothing survives (CJK). */
function asciiFold(s: string): string {
  if (/^[A-Za-z]*$/.test(s)) return s.toLowerCase();
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßø]/gi, (c) => (c.toLowerCase() === 'ß' ? 'ss' : 'o'))
    .replace(/ł/gi, 'l')
    .replace(/đ/gi, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

const CJK_RE = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

/** The name a person or company shows as (CJK persons family name first, no space). */
export function contactDisplayName(contact: Pick<ContactRecord, 'person' | 'company'>): string {
  if (contact.company) return contact.company.name;
  const p = contact.person;
  if (!p) return '';
  if (CJK_RE.test(p.lastName)) return `${p.lastName}${p.firstName}`;
  return `${p.firstName} ${p.lastName}`;
}

function surnameOf(contact: ContactRecord): string {
  return contact.company ? contact.company.name : (contact.person?.lastName ?? '');
}

/** Replaces `{key}` placeholders; unknown keys stay as they are. Templates without braces are returned as is. */
function fill(template: string, resolve: (key: string) => string | undefined): string {
  if (!template.includes('{')) return template;
  return template.replace(/\{(\w+)\}/g, (m, key: string) => resolve(key) ?? m);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** 'March 3, 2026' (UTC). Hand-rolled: Intl date formatting is far too slow for 20,000 matters. */
function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()] as string} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const UUID_CODES: number[] = new Array<number>(36).fill(0x2d); // '-' at 8, 13, 18, 23 stays

/**
 * A v4-shaped GUID from four PRNG draws (each mulberry32 output carries 32 bits). Same shape as
 * common/random.ts seededUuid but about 10x cheaper, and built as one flat string (concatenation would
 * leave rope strings that cost several times the memory at 150k ids per 20,000-matter firm).
 */
function fastUuid(rng: Rng): string {
  let pos = 0;
  for (let w = 0; w < 4; w++) {
    let x = Math.floor(rng() * 4294967296);
    if (w === 1) x = (x & 0xffff0fff) | 0x00004000; // version 4
    if (w === 2) x = (x & 0x3fffffff) | 0x80000000; // RFC 4122 variant
    for (let k = 0; k < 8; k++) {
      if (pos === 8 || pos === 13 || pos === 18 || pos === 23) pos++;
      UUID_CODES[pos++] = HEX_CODES[(x >>> 28) & 15] as number;
      x <<= 4;
    }
  }
  return String.fromCharCode.apply(null, UUID_CODES);
}

interface MatterDraft {
  area: PracticeArea;
  typeIndex: number; // index into matterTypes
  isLead: boolean;
  status: MatterStatus;
  openedMs: number;
  closedMs: number | null;
  order: number;
}

export function generateFirm(opts: GenerateFirmOptions): SeededFirm {
  const matterCount = Math.max(0, Math.floor(opts.matters));
  const now = opts.now ?? DEFAULT_NOW_MS;
  const rng = createRng(opts.seed);
  const uuid = (): string => fastUuid(rng);

  // Firm ------------------------------------------------------------------------------------------------
  const homeState = pick(rng, US_STATES);
  const otherStates = US_STATES.filter((s) => s.code !== homeState.code);
  const secondState = pick(rng, otherStates);
  const accountId = uuid();
  const partnerNames = [pick(rng, LAST_NAMES), pick(rng, LAST_NAMES), pick(rng, LAST_NAMES)];
  const firmName = `${partnerNames[0]}, ${partnerNames[1]} & ${partnerNames[2]} LLP`;
  const firmDomain = `${asciiFold(partnerNames[0] as string) || 'firm'}${asciiFold(partnerNames[1] as string)}law.com`;

  const randomPhone = (state: UsState): PhoneNumber => {
    const areaCode = pick(rng, state.areaCodes);
    const number = `${intBetween(rng, 2, 9)}${String(intBetween(rng, 0, 999_999)).padStart(6, '0')}`;
    const shape = rng();
    // Mostly Smokeball's {areaCode, number}; a few as typed by hand.
    if (shape < 0.02) return { areaCode, number: `${number.slice(0, 3)}-${number.slice(3)}` };
    if (shape < 0.03) return { number: `(${areaCode}) ${number.slice(0, 3)}-${number.slice(3)}` };
    if (shape < 0.035) return { number: `${areaCode}${number}` };
    return { areaCode, number };
  };

  // Staff -----------------------------------------------------------------------------------------------
  const staffTarget = Math.min(60, Math.max(5, Math.round(matterCount / 100)));
  const attorneyCount = Math.max(3, Math.round(staffTarget * 0.4));
  const paralegalCount = Math.max(1, Math.round(staffTarget * 0.35));
  const assistantCount = Math.max(1, staffTarget - attorneyCount - paralegalCount);
  const staff: StaffRecord[] = [];
  const staffEmails = new Set<string>();
  const makeStaff = (role: string, former: boolean): StaffRecord => {
    const firstName = pick(rng, FIRST_NAMES);
    const lastName = pick(rng, LAST_NAMES);
    let local = `${asciiFold(firstName).charAt(0) || 'x'}${asciiFold(lastName) || 'staff'}`;
    if (staffEmails.has(local)) local = `${local}${staff.length + 1}`;
    staffEmails.add(local);
    const record: StaffRecord = {
      id: uuid(),
      versionId: uuid(),
      firstName,
      lastName,
      initials: `${firstName.charAt(0)}${lastName.charAt(0)}`.toUpperCase(),
      email: `${local}@${firmDomain}`,
      role,
      former,
      enabled: !former,
      userId: uuid(),
    };
    if (chance(rng, 0.3)) record.title = pick(rng, ['Mr', 'Ms', 'Mrs']);
    staff.push(record);
    return record;
  };
  const attorneys: StaffRecord[] = [];
  const paralegals: StaffRecord[] = [];
  const assistants: StaffRecord[] = [];
  for (let i = 0; i < attorneyCount; i++) attorneys.push(makeStaff('Attorney', i === attorneyCount - 1));
  for (let i = 0; i < paralegalCount; i++) paralegals.push(makeStaff('Paralegal', false));
  for (let i = 0; i < assistantCount; i++) assistants.push(makeStaff('Legal Assistant', i === assistantCount - 1));
  const activeAttorneys = attorneys.filter((s) => !s.former);
  const formerAttorneys = attorneys.filter((s) => s.former);
  const activeSupport = [...paralegals, ...assistants].filter((s) => !s.former);
  const activeStaff = staff.filter((s) => !s.former);
  const staffById = new Map(staff.map((s) => [s.id, s]));

  // Matter types and stage sets ---------------------------------------------------------------------------
  const matterTypes: MatterTypeRecord[] = [];
  const stageSets: StageSetRecord[] = [];
  const stageSetByMatterType: Record<string, string> = {};
  /** Per matter type index: the active stage ids in workflow order. */
  const activeStagesByType: string[][] = [];
  const allAreas = [...PRACTICE_AREAS, LEAD_AREA, RETIRED_AREA];
  for (const area of allAreas) {
    const location = area.secondState ? secondState.code : homeState.code;
    const isLeadType = area === LEAD_AREA;
    const retired = area === RETIRED_AREA;
    const type: MatterTypeRecord = {
      id: `${uuid()}_${location}`,
      versionId: uuid(),
      name: area.name,
      category: area.category,
      type: isLeadType ? 1 : 0,
      location,
      isDeleted: retired,
    };
    matterTypes.push(type);
    const stages: StageRecord[] = [];
    const active: string[] = [];
    let maxTicks = 0n;
    for (const [name, deleted] of area.stages) {
      const lastUpdated = ticksAt(rng, between(rng, now - 2 * YEAR, now - DAY));
      if (lastUpdated > maxTicks) maxTicks = lastUpdated;
      const stage: StageRecord = { id: uuid(), versionId: uuid(), name, isDeleted: deleted === true, lastUpdated };
      stages.push(stage);
      if (!stage.isDeleted) active.push(stage.id);
    }
    const set: StageSetRecord = {
      id: uuid(),
      versionId: uuid(),
      name: area.stageSetName,
      isDeleted: retired,
      stages,
      lastUpdated: maxTicks,
    };
    stageSets.push(set);
    stageSetByMatterType[type.id] = set.id;
    activeStagesByType.push(active);
  }
  const leadTypeIndex = PRACTICE_AREAS.length;
  const areaCumulative = cumulativeWeights(PRACTICE_AREAS.map((a) => a.weight));

  // Matter drafts ----------------------------------------------------------------------------------------
  const maxRare = Math.floor(matterCount * 0.004); // each of Deleted, Cancelled, lead
  let deletedCount = 0;
  let cancelledCount = 0;
  let leadCount = 0;
  const drafts: MatterDraft[] = new Array<MatterDraft>(matterCount);
  for (let i = 0; i < matterCount; i++) {
    let isLead = false;
    let typeIndex: number;
    let status: MatterStatus;
    if (leadCount < maxRare && chance(rng, 0.003)) {
      isLead = true;
      leadCount++;
      typeIndex = leadTypeIndex;
      status = 'Open';
    } else {
      typeIndex = weightedIndex(rng, areaCumulative);
      const u = rng();
      if (u < 0.55) status = 'Open';
      else if (u < 0.7) status = 'Pending';
      else if (u < 0.9975) status = 'Closed';
      else if (u < 0.99875 && deletedCount < maxRare) {
        status = 'Deleted';
        deletedCount++;
      } else if (cancelledCount < maxRare) {
        status = 'Cancelled';
        cancelledCount++;
      } else status = 'Closed';
    }
    const area = typeIndex === leadTypeIndex ? LEAD_AREA : (PRACTICE_AREAS[typeIndex] as PracticeArea);
    // Closed matters were opened longer ago; open ones skew recent. Leads are recent.
    const span = isLead ? 120 * DAY : 8 * YEAR;
    const skew = status === 'Closed' ? 1.1 : isLead ? 1 : 2.2;
    const openedMs = Math.floor(now - DAY - Math.pow(rng(), skew) * (span - DAY));
    let closedMs: number | null = null;
    if (status === 'Closed') {
      const duration = 20 * DAY + Math.floor(rng() * 900 * DAY);
      closedMs = Math.min(openedMs + duration, now - HOUR - Math.floor(rng() * DAY));
      if (closedMs < openedMs) closedMs = openedMs + Math.floor((now - openedMs) / 2);
    }
    drafts[i] = { area, typeIndex, isLead, status, openedMs, closedMs, order: i };
  }
  drafts.sort((a, b) => a.openedMs - b.openedMs || a.order - b.order);

  // Matter numbers: one firm-wide scheme, chosen by the seed.
  const numberScheme = Math.floor(rng() * 3);
  const perYear = new Map<number, number>();
  const numbers: string[] = drafts.map((d, i) => {
    const date = new Date(d.openedMs);
    if (numberScheme === 0) {
      const mmyy = `${String(date.getUTCMonth() + 1).padStart(2, '0')}${String(date.getUTCFullYear() % 100).padStart(2, '0')}`;
      return `${d.area.abbr}-${mmyy}-${String(i + 1).padStart(4, '0')}`;
    }
    if (numberScheme === 1) {
      const y = date.getUTCFullYear();
      const n = (perYear.get(y) ?? 0) + 1;
      perYear.set(y, n);
      return `${y}-${String(n).padStart(4, '0')}`;
    }
    return String(10001 + i);
  });

  // Contacts ---------------------------------------------------------------------------------------------
  const contacts: ContactRecord[] = [];
  const newContact = (details: { person?: PersonDetails; company?: CompanyDetails }, lastUpdatedMs?: number): ContactRecord => {
    const c: ContactRecord = {
      id: uuid(),
      externalSystemId: chance(rng, 0.02) ? `LEGACY-${intBetween(rng, 100000, 999999)}` : null,
      versionId: uuid(),
      isDeleted: false,
      lastUpdated: ticksAt(rng, lastUpdatedMs ?? between(rng, now - 2 * YEAR, now - 1)),
    };
    if (details.person) c.person = details.person;
    if (details.company) c.company = details.company;
    contacts.push(c);
    return c;
  };

  let emailSerial = 0;
  const personEmail = (firstName: string, lastName: string, romanized?: string): string => {
    emailSerial++;
    const base = romanized ?? [asciiFold(firstName), asciiFold(lastName)].filter(Boolean).join('.');
    const local = base || `client${emailSerial}`;
    const style = rng();
    const domain = pick(rng, EMAIL_DOMAINS);
    if (style < 0.5) return `${local}${emailSerial % 1000}@${domain}`;
    if (style < 0.55) return `${local.charAt(0).toUpperCase()}${local.slice(1)}${emailSerial}@${domain}`; // mixed case
    if (style < 0.6) return `${local}+law${emailSerial}@${domain}`;
    return `${local}.${emailSerial}@${domain}`;
  };

  const makePerson = (
    cellChance: number,
    emailChance: number,
    preset?: { firstName: string; lastName: string; middleName?: string; noCell?: boolean; noEmail?: boolean },
    forceLastName?: string,
  ): PersonDetails => {
    let firstName: string;
    let lastName: string;
    let romanized: string | undefined;
    if (preset) {
      firstName = preset.firstName;
      lastName = preset.lastName;
    } else if (!forceLastName && chance(rng, 0.02)) {
      const cjk = pick(rng, CJK_NAMES);
      firstName = cjk.firstName;
      lastName = cjk.lastName;
      romanized = cjk.romanized;
    } else {
      firstName = pick(rng, FIRST_NAMES);
      lastName = forceLastName ?? pick(rng, LAST_NAMES);
    }
    const p: PersonDetails = { firstName, lastName };
    if (chance(rng, 0.25)) p.title = pick(rng, PERSON_TITLES);
    if (preset?.middleName) p.middleName = preset.middleName;
    else if (chance(rng, 0.2))
      p.middleName = chance(rng, 0.6) ? pick(rng, FIRST_NAMES) : `${MIDDLE_INITIALS.charAt(Math.floor(rng() * MIDDLE_INITIALS.length))}.`;
    const wantEmail = preset?.noEmail ? false : chance(rng, emailChance);
    if (wantEmail) p.email = personEmail(firstName, lastName, romanized);
    if (chance(rng, 0.45)) p.phone = randomPhone(chance(rng, 0.9) ? homeState : secondState);
    const wantCell = preset?.noCell ? false : chance(rng, cellChance);
    if (wantCell) p.cell = randomPhone(chance(rng, 0.93) ? homeState : pick(rng, US_STATES));
    return p;
  };

  const makeCompany = (name?: string): CompanyDetails => {
    const c: CompanyDetails = { name: name ?? `${pick(rng, COMPANY_STEMS)} ${pick(rng, COMPANY_KINDS)}` };
    if (chance(rng, 0.6)) c.email = `info@${asciiFold(c.name).slice(0, 20) || 'company'}.com`;
    if (chance(rng, 0.8)) c.phone = randomPhone(homeState);
    return c;
  };

  // Clients: enough contacts (with multiplicities) to fill every matter's client slots.
  const clientsPerMatter = new Uint8Array(matterCount);
  let slotTotal = 0;
  for (let i = 0; i < matterCount; i++) {
    const d = drafts[i] as MatterDraft;
    const n = !d.isLead && chance(rng, d.area.twoClients) ? 2 : 1;
    clientsPerMatter[i] = n;
    slotTotal += n;
  }
  const clientContacts: ContactRecord[] = [];
  const slots: number[] = [];
  while (slots.length < slotTotal) {
    const k = clientContacts.length;
    const preset = k < MANDATORY_CLIENT_PERSONS.length ? MANDATORY_CLIENT_PERSONS[k] : undefined;
    const isCompany = !preset && chance(rng, 0.1);
    const c = isCompany ? newContact({ company: makeCompany() }) : newContact({ person: makePerson(0.92, 0.85, preset) });
    clientContacts.push(c);
    // ~10% of clients have 2-3 matters; the first always has two so tiny firms have one too.
    const u = rng();
    const uses = k === 0 && matterCount > 1 ? 2 : u < 0.065 ? 2 : u < 0.1 ? 3 : 1;
    for (let j = 0; j < uses; j++) slots.push(k);
  }
  slots.length = slotTotal;
  shuffleInPlace(rng, slots);

  // Other-side pools (insurers and the State appear on many matters).
  const pooled = new Map<string, ContactRecord>();
  const pooledCompany = (name: string): ContactRecord => {
    let c = pooled.get(name);
    if (!c) {
      c = newContact({ company: makeCompany(name) });
      pooled.set(name, c);
    }
    return c;
  };

  // Matters ----------------------------------------------------------------------------------------------
  const matters: MatterRecord[] = new Array<MatterRecord>(matterCount);
  const matterStages: MatterStageRecord[] = [];
  const clientsOfMatter: ContactRecord[][] = new Array<ContactRecord[]>(matterCount);
  let slotPos = 0;
  for (let i = 0; i < matterCount; i++) {
    const d = drafts[i] as MatterDraft;
    const area = d.area;
    const type = matterTypes[d.typeIndex] as MatterTypeRecord;

    // Clients: take the next slots; avoid the same contact twice in one matter by swapping with a later slot.
    const n = clientsPerMatter[i] as number;
    const clientIdx: number[] = [];
    for (let j = 0; j < n; j++) {
      let idx = slots[slotPos] as number;
      if (clientIdx.includes(idx)) {
        for (let s = slotPos + 1; s < slots.length; s++) {
          const candidate = slots[s] as number;
          if (!clientIdx.includes(candidate)) {
            slots[s] = idx;
            slots[slotPos] = candidate;
            idx = candidate;
            break;
          }
        }
      }
      slotPos++;
      if (!clientIdx.includes(idx)) clientIdx.push(idx);
    }
    const clients = clientIdx.map((k) => clientContacts[k] as ContactRecord);
    clientsOfMatter[i] = clients;
    const primary = clients[0] as ContactRecord;

    // Other side.
    let otherSide: ContactRecord | undefined;
    if (!d.isLead && chance(rng, area.otherSideChance)) {
      switch (area.otherSide) {
        case 'insurer':
          otherSide = pooledCompany(pick(rng, INSURERS));
          break;
        case 'creditor':
          otherSide = pooledCompany(pick(rng, CREDITORS));
          break;
        case 'employer':
          otherSide = pooledCompany(pick(rng, EMPLOYERS));
          break;
        case 'state':
          otherSide = pooledCompany(`People of the State of ${type.location === homeState.code ? homeState.name : secondState.name}`);
          break;
        case 'spouse':
          otherSide = newContact({
            person: makePerson(
              0.7,
              0.5,
              undefined,
              primary.person && !CJK_RE.test(primary.person.lastName) && chance(rng, 0.6) ? primary.person.lastName : undefined,
            ),
          });
          break;
        case 'defendant':
          otherSide = chance(rng, 0.5) ? newContact({ company: makeCompany() }) : newContact({ person: makePerson(0.5, 0.4) });
          break;
        default:
          otherSide = newContact({ person: makePerson(0.5, 0.4) });
      }
    }

    // Staff.
    let responsible: StaffRecord | null;
    const r = rng();
    if (r < 0.005) responsible = null;
    else if (d.status === 'Closed' && formerAttorneys.length > 0 && r < 0.15) responsible = pick(rng, formerAttorneys);
    else responsible = pick(rng, activeAttorneys);
    const assisting = chance(rng, 0.5) ? pick(rng, chance(rng, 0.75) ? paralegals : activeSupport) : null;

    // Title and description.
    const surname = surnameOf(primary);
    const second = clients[1];
    let title: string;
    const t = rng();
    if (area.name === 'Probate' && t < 0.6) title = `Estate of ${pick(rng, FIRST_NAMES)} ${primary.person?.lastName ?? pick(rng, LAST_NAMES)}`;
    else if (second && t < 0.7) {
      const s2 = surnameOf(second);
      title =
        s2 === surname && second.person && primary.person
          ? `${surname}, ${primary.person.firstName} & ${second.person.firstName} - ${area.name}`
          : `${surname} & ${s2} - ${area.name}`;
    } else if (otherSide && area.otherSide === 'spouse' && t < 0.5) title = `In re Marriage of ${surname}`;
    else if (otherSide && area.otherSide === 'defendant' && t < 0.6) title = `${surname} v. ${surnameOf(otherSide)}`;
    else if (t > 0.95) title = `${numbers[i] as string} - ${surname} - ${area.abbr}`;
    else title = `${surname} - ${area.name}`;

    // Placeholders are resolved lazily: building all of them for every matter doubles generation time.
    const placeholder = (key: string): string | undefined => {
      switch (key) {
        case 'date':
          return formatDate(d.openedMs - intBetween(rng, 2, 60) * DAY);
        case 'street':
        case 'street2':
          return `${pick(rng, STREET_NAMES)} ${pick(rng, STREET_TYPES)}`;
        case 'number':
          return String(intBetween(rng, 100, 9999));
        case 'unit':
          return String(intBetween(rng, 1, 40) * 100 + intBetween(rng, 1, 12));
        case 'city':
          return pick(rng, (type.location === homeState.code ? homeState : secondState).cities);
        case 'stateName':
          return homeState.name;
        case 'provider':
          return pick(rng, MEDICAL_PROVIDERS);
        case 'insurer':
          return pick(rng, INSURERS);
        case 'employer':
          return pick(rng, EMPLOYERS);
        case 'amount':
          return (intBetween(rng, 15, 900) * 1000).toLocaleString('en-US');
        case 'years':
          return String(intBetween(rng, 1, 30));
        case 'year':
          return String(new Date(d.openedMs).getUTCFullYear() - intBetween(rng, 5, 20));
        case 'decedent':
          return `${pick(rng, FIRST_NAMES)} ${surname}`;
        case 'shortIssue':
          return pick(rng, SHORT_ISSUES);
        default:
          return undefined;
      }
    };
    const description = area.descriptions.length > 0 ? fill(pick(rng, area.descriptions), placeholder) : '';

    // Timestamps.
    const floorMs = Math.max(d.openedMs, now - 2 * YEAR);
    const updatedMs = d.closedMs !== null ? between(rng, d.closedMs, Math.min(d.closedMs + 90 * DAY, now - 1)) : between(rng, floorMs, now - 1);

    const matter: MatterRecord = {
      id: uuid(),
      externalSystemId: chance(rng, 0.02) ? `PCLAW-${intBetween(rng, 10000, 99999)}` : null,
      number: numbers[i] as string,
      title,
      description,
      matterTypeId: type.id,
      clientIds: clients.map((c) => c.id),
      otherSideIds: otherSide ? [otherSide.id] : [],
      status: d.status,
      personResponsibleStaffId: responsible ? responsible.id : null,
      personAssistingStaffId: assisting ? assisting.id : null,
      openedDate: iso(d.openedMs),
      closedDate: d.closedMs !== null ? iso(d.closedMs) : null,
      isLead: d.isLead,
      lastUpdated: ticksAt(rng, updatedMs),
    };
    matters[i] = matter;

    // Current stage: most non-lead matters; closed ones near the end of the workflow.
    if (!d.isLead && chance(rng, 0.95)) {
      const active = activeStagesByType[d.typeIndex] as string[];
      let pos: number;
      if (d.status === 'Closed') pos = active.length - 1 - (chance(rng, 0.75) ? 0 : intBetween(rng, 1, Math.min(2, active.length - 1)));
      else pos = Math.floor(Math.pow(rng(), 1.3) * (active.length - 1)); // open: anywhere but the last
      const stageUpdatedMs = between(rng, Math.max(d.openedMs, updatedMs - 400 * DAY), updatedMs);
      matterStages.push({
        id: uuid(),
        matterId: matter.id,
        stageSetId: stageSetByMatterType[type.id] as string,
        stageId: active[pos] as string,
        versionId: uuid(),
        lastUpdated: ticksAt(rng, stageUpdatedMs),
      });
    }
  }

  // Unrelated contacts (experts, providers, witnesses, referrers) to reach ~1.3-1.5x matters.
  const target = Math.round(matterCount * (1.36 + rng() * 0.08));
  const unrelatedCount = Math.max(Math.ceil(matterCount * 0.03) + 3, target - contacts.length);
  const unrelated: ContactRecord[] = [];
  for (let i = 0; i < unrelatedCount; i++) {
    const u = rng();
    const c =
      u < 0.15
        ? newContact({ company: makeCompany(chance(rng, 0.5) ? pick(rng, MEDICAL_PROVIDERS) : undefined) })
        : newContact({ person: makePerson(0.6, 0.6) });
    unrelated.push(c);
  }
  const deletedTarget = Math.max(1, Math.round(unrelatedCount * 0.03));
  for (let i = 0; i < deletedTarget && i < unrelated.length; i++) (unrelated[i] as ContactRecord).isDeleted = true;
  shuffleInPlace(rng, contacts);

  // Case Status messages --------------------------------------------------------------------------------
  const messages: CaseMessageSeed[] = [];
  const messageCap = Math.floor(matterCount * 1.5);
  const threadCounts = cumulativeWeights([60, 30, 10]);
  const perThread = cumulativeWeights([22, 26, 20, 14, 10, 8]);
  const displayStaff = (s: StaffRecord): string => `${s.firstName} ${s.lastName}`;
  const staffFor = (m: MatterRecord): StaffRecord => {
    const options: StaffRecord[] = [];
    for (const id of [m.personResponsibleStaffId, m.personAssistingStaffId]) {
      const s = id ? staffById.get(id) : undefined;
      if (s && !s.former) options.push(s);
    }
    return options.length > 0 && chance(rng, 0.85) ? pick(rng, options) : pick(rng, activeStaff);
  };
  const caseActive = (d: MatterDraft): boolean => !d.isLead && (d.status === 'Open' || d.status === 'Pending');

  for (let i = 0; i < matterCount && messages.length < messageCap; i++) {
    const d = drafts[i] as MatterDraft;
    if (!caseActive(d) || !chance(rng, 0.4)) continue;
    const m = matters[i] as MatterRecord;
    const clients = clientsOfMatter[i] as ContactRecord[];
    const lo = Math.max(d.openedMs, now - YEAR);
    const hi = now - MINUTE;
    const threads = weightedIndex(rng, threadCounts) + 1;
    for (let t = 0; t < threads; t++) {
      const threadId = uuid();
      const count = weightedIndex(rng, perThread) + 1;
      const gaps: number[] = [];
      let total = 0;
      for (let k = 1; k < count; k++) {
        const g = Math.floor(5 * MINUTE * Math.pow(1440, rng())); // 5 minutes .. 5 days, log-uniform
        gaps.push(g);
        total += g;
      }
      let start = between(rng, lo, hi);
      if (start + total > hi) start = Math.max(lo, hi - total);
      const scale = start + total > hi && total > 0 ? (hi - start) / total : 1;
      let at = start;
      let role: SenderRole = chance(rng, 0.55) ? 'client' : 'staff';
      const clientContact = clients.length > 1 && chance(rng, 0.3) ? (clients[1] as ContactRecord) : (clients[0] as ContactRecord);
      const clientFirst = clientContact.person?.firstName ?? 'there';
      for (let k = 0; k < count; k++) {
        if (k > 0) at = Math.max(at + 1, Math.floor(at + (gaps[k - 1] as number) * scale));
        const senderName = role === 'client' ? contactDisplayName(clientContact) : displayStaff(staffFor(m));
        let body: string;
        if (chance(rng, 0.04)) body = pick(rng, AWKWARD_MESSAGE_BODIES);
        else {
          const template = pick(rng, role === 'client' ? CLIENT_MESSAGES : STAFF_MESSAGES);
          body = fill(template, (key) => {
            switch (key) {
              case 'first':
                return clientFirst;
              case 'provider':
                return pick(rng, MEDICAL_PROVIDERS);
              case 'number':
                return String(intBetween(rng, 100, 9999));
              case 'street':
                return `${pick(rng, STREET_NAMES)} ${pick(rng, STREET_TYPES)}`;
              case 'city':
                return pick(rng, homeState.cities);
              default:
                return undefined;
            }
          });
        }
        messages.push({ id: uuid(), matterId: m.id, threadId, senderName, senderRole: role, body, createdAt: iso(at) });
        role = role === 'client' ? 'staff' : 'client';
      }
    }
  }
  // Small firms: add one-message threads to matters that already have messages until every awkward body fits.
  while (messages.length > 0 && messages.length < AWKWARD_MESSAGE_BODIES.length) {
    const base = pick(rng, messages);
    messages.push({ ...base, id: uuid(), threadId: uuid(), createdAt: iso(between(rng, Date.parse(base.createdAt), now - MINUTE)) });
  }
  // Every awkward body appears at least once: overwrite distinct random messages.
  placeEach(rng, messages.length, AWKWARD_MESSAGE_BODIES.length, (msgIndex, k) => {
    (messages[msgIndex] as CaseMessageSeed).body = AWKWARD_MESSAGE_BODIES[k] as string;
  });

  // Case Status documents --------------------------------------------------------------------------------
  const documents: CaseDocumentSeed[] = [];
  const budget = Math.max(8 * 1024 * 1024, 30_000 * matterCount);
  let used = 0;
  const docsPerMatter = cumulativeWeights([60, 30, 10]);
  for (let i = 0; i < matterCount; i++) {
    const d = drafts[i] as MatterDraft;
    if (!caseActive(d) || !chance(rng, 0.2)) continue;
    const m = matters[i] as MatterRecord;
    const clients = clientsOfMatter[i] as ContactRecord[];
    const count = weightedIndex(rng, docsPerMatter) + 1;
    for (let k = 0; k < count; k++) {
      let sizeBytes: number;
      const u = rng();
      if (documents.length === 0 || u < 0.015) sizeBytes = intBetween(rng, 1024 * 1024, 5 * 1024 * 1024);
      else if (u < 0.045) sizeBytes = intBetween(rng, 1, 2047);
      else sizeBytes = Math.floor(2048 * Math.pow(150, rng())); // 2 KB .. 300 KB, log-uniform
      if (used + sizeBytes > budget) sizeBytes = intBetween(rng, 2048, 20_480);
      used += sizeBytes;
      const role: SenderRole = chance(rng, 0.65) ? 'client' : 'staff';
      const sharedByName = role === 'client' ? contactDisplayName(clients[0] as ContactRecord) : displayStaff(staffFor(m));
      documents.push({
        id: uuid(),
        matterId: m.id,
        fileName: pick(rng, COMMON_DOCUMENT_NAMES),
        sizeBytes,
        contentSeed: Math.floor(rng() * 4294967296),
        sharedByName,
        sharedByRole: role,
        createdAt: iso(between(rng, Math.max(d.openedMs, now - YEAR), now - MINUTE)),
      });
    }
  }
  // Small firms: add documents to matters that already have some until every awkward name fits.
  const needed = AWKWARD_FILE_NAMES.length + 4;
  while (documents.length > 0 && documents.length < needed) {
    const base = pick(rng, documents);
    documents.push({ ...base, id: uuid(), sizeBytes: intBetween(rng, 2048, 65_536), contentSeed: Math.floor(rng() * 4294967296) });
  }
  const reserved = ensureDuplicateNames(rng, documents, uuid);
  placeEach(
    rng,
    documents.length,
    AWKWARD_FILE_NAMES.length,
    (docIndex, k) => {
      (documents[docIndex] as CaseDocumentSeed).fileName = AWKWARD_FILE_NAMES[k] as string;
    },
    reserved,
  );

  return {
    seed: opts.seed,
    accountId,
    name: firmName,
    staff,
    matterTypes,
    stageSets,
    contacts,
    matters,
    matterStages,
    stageSetByMatterType,
    messages,
    documents,
  };
}

/** Calls `apply(index, k)` for k = 0..kinds-1 on distinct random indices in [0, n) (as many as fit). */
function placeEach(rng: Rng, n: number, kinds: number, apply: (index: number, k: number) => void, exclude: ReadonlySet<number> = new Set()): void {
  const usedIdx = new Set<number>(exclude);
  for (let k = 0; k < kinds && usedIdx.size < n; k++) {
    let idx = Math.floor(rng() * n);
    while (usedIdx.has(idx)) idx = (idx + 1) % n;
    usedIdx.add(idx);
    apply(idx, k);
  }
}

/**
 * Guarantees two documents in one matter with the same name and another pair differing only in case.
 * Uses matters that already have two or more documents; if none has, adds a document next to an existing one.
 * Returns the indices it named, so the awkward names are placed elsewhere.
 */
function ensureDuplicateNames(rng: Rng, documents: CaseDocumentSeed[], uuid: () => string): Set<number> {
  const reserved = new Set<number>();
  if (documents.length === 0) return reserved;
  const byMatter = new Map<string, number[]>();
  documents.forEach((doc, i) => {
    const list = byMatter.get(doc.matterId);
    if (list) list.push(i);
    else byMatter.set(doc.matterId, [i]);
  });
  const multi = [...byMatter.values()].filter((l) => l.length >= 2);
  const setPair = (pair: number[] | undefined, first: string, secondName: string): void => {
    if (pair) {
      (documents[pair[0] as number] as CaseDocumentSeed).fileName = first;
      (documents[pair[1] as number] as CaseDocumentSeed).fileName = secondName;
      reserved.add(pair[0] as number).add(pair[1] as number);
      return;
    }
    let fallback = 0;
    while (reserved.has(fallback)) fallback++;
    const a = documents[fallback] as CaseDocumentSeed;
    a.fileName = first;
    documents.push({ ...a, id: uuid(), fileName: secondName, contentSeed: Math.floor(rng() * 4294967296) });
    reserved.add(fallback).add(documents.length - 1);
  };
  setPair(multi[0], 'Medical Records.pdf', 'Medical Records.pdf');
  setPair(multi[1], 'Signed Retainer Agreement.pdf', 'signed retainer agreement.PDF');
  return reserved;
}
