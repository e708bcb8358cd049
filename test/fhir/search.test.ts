import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FhirServer, fhir, issueOf, loadFixtures, startFhir } from './helpers.js';

let server: FhirServer;
beforeAll(async () => {
  server = await startFhir();
  await loadFixtures(server);
});
afterAll(() => server.close());

const search = async (query: string, headers: Record<string, string> = {}) => {
  const answer = await fhir<Bundle>(server, 'GET', query, { headers });
  return answer;
};
const matches = (bundle: Bundle) =>
  (bundle.entry ?? [])
    .filter((e) => e.search?.mode === 'match')
    .map((e) => e.resource as Observation);
const link = (bundle: Bundle, relation: string) =>
  bundle.link?.find((l) => l.relation === relation)?.url;

describe('FHIR search', () => {
  it('FHIR-14 answers a searchset whose self link lists only the applied parameters', async () => {
    const answer = await search('/Observation?patient=example&foo=bar');
    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('searchset');
    const self = new URL(link(answer.body, 'self') ?? '');
    expect(self.searchParams.get('patient')).toBe('example');
    expect(self.searchParams.has('foo')).toBe(false);
    const outcome = answer.body.entry?.find((e) => e.search?.mode === 'outcome');
    expect(JSON.stringify(outcome?.resource)).toContain('foo');
    for (const entry of answer.body.entry ?? []) {
      if (entry.search?.mode === 'match')
        expect(entry.fullUrl).toMatch(new RegExp(`^${server.base}/Observation/`));
    }
  });

  it('FHIR-15 refuses an unknown parameter under Prefer: handling=strict', async () => {
    const answer = await search('/Observation?patient=example&foo=bar', {
      prefer: 'handling=strict',
    });
    expect(answer.status).toBe(400);
    expect(issueOf(answer)?.code).toBe('not-supported');
  });

  it('FHIR-16 FHIR-30 walks every match exactly once through opaque next links', async () => {
    const first = await search('/Observation?patient=example&_count=5');
    expect(matches(first.body)).toHaveLength(5);
    const ids = new Set<string>();
    let page: Bundle = first.body;
    let pages = 0;
    for (;;) {
      for (const resource of matches(page)) {
        expect(ids.has(resource.id as string)).toBe(false);
        ids.add(resource.id as string);
      }
      pages++;
      const next = link(page, 'next');
      if (!next) break;
      expect(next).not.toContain('example');
      page = (await fhir<Bundle>(server, 'GET', next)).body;
    }
    expect(ids.size).toBe(30);
    expect(pages).toBe(6);

    const heart = await search('/Observation?code=http://loinc.org|8867-4&_count=1');
    const next = link(heart.body, 'next') ?? '';
    expect(next).toBeTruthy();
    expect(next).not.toContain('8867-4');
    const tampered = await fhir(server, 'GET', next.replace(/_cursor=(.)/, '_cursor=A$1'));
    expect(tampered.status).toBe(400);
    const otherPath = await fhir(server, 'GET', next.replace('/Observation?', '/Condition?'));
    expect(otherPath.status).toBe(400);
  });

  it('FHIR-17 honours date prefixes and the precision of the value', async () => {
    const ge = matches(
      (await search('/Observation?patient=example&date=ge2012-01-01&_count=100')).body,
    );
    expect(ge.length).toBe(6);
    for (const o of ge) expect((o.effectiveDateTime ?? '') >= '2012-01-01').toBe(true);
    const month = await search('/Observation?patient=example&date=2010-03');
    expect(month.body.total).toBe(1);
    const year = await search('/Observation?patient=example&date=eq2011');
    expect(year.body.total).toBe(12);
    const lt = await search('/Observation?patient=example&date=lt2010-02-15T10:00:00Z');
    expect(lt.body.total).toBe(1);
    const range = await search('/Observation?patient=example&date=ge2010-01-01&date=lt2011-01-01');
    expect(range.body.total).toBe(12);
    const sa = await search('/Observation?patient=example&date=sa2012');
    expect(sa.body.total).toBe(0);
    const eb = await search('/Observation?patient=example&date=eb2010-02');
    expect(eb.body.total).toBe(1);
    const ne = await search('/Observation?patient=example&date=ne2011');
    expect(ne.body.total).toBe(18);
    const ap = await search('/Observation?patient=example&date=ap2010-01-15');
    expect(ap.body.total).toBeGreaterThanOrEqual(1);
  });

  it('FHIR-18 matches tokens by system|code, code, |code and system|, with :not and :text', async () => {
    const exact = await search('/Observation?code=http://loinc.org|8867-4&_count=100');
    expect(exact.body.total).toBe(11);
    for (const o of matches(exact.body)) expect(o.code.coding?.[0]?.code).toBe('8867-4');
    expect((await search('/Observation?code=8867-4')).body.total).toBe(11);
    expect((await search('/Observation?code=http://other|8867-4')).body.total).toBe(0);
    expect((await search('/Observation?code=|8867-4')).body.total).toBe(0);
    expect((await search('/Observation?code=http://loinc.org|')).body.total).toBe(33);
    expect((await search('/Observation?patient=example&code:not=8867-4')).body.total).toBe(20);
    expect((await search('/Observation?patient=example&code:text=heart')).body.total).toBe(10);
    expect((await search('/Observation?patient=example&code=8867-4,29463-7')).body.total).toBe(30);
    expect((await search('/Observation?category=vital-signs&patient=f001')).body.total).toBe(3);
    expect((await search('/Patient?identifier=urn:kardia:test|mrn-f001')).body.total).toBe(1);
    expect((await search('/Observation?status=final&patient=example')).body.total).toBe(30);
    expect((await search('/Patient?gender=male')).body.total).toBe(2);
  });

  it('FHIR-19 compartment search returns the same set as the patient-filtered search', async () => {
    const compartment = await search('/Patient/example/Observation?_count=100');
    const filtered = await search('/Observation?patient=example&_count=100');
    const bySubject = await search('/Observation?subject=Patient/example&_count=100');
    const ids = (b: Bundle) =>
      matches(b)
        .map((o) => o.id)
        .sort();
    expect(ids(compartment.body)).toEqual(ids(filtered.body));
    expect(ids(bySubject.body)).toEqual(ids(filtered.body));
    expect(ids(filtered.body)).toHaveLength(30);
    const absolute = await search(
      `/Observation?subject=${encodeURIComponent(`${server.base}/Patient/example`)}`,
    );
    expect(absolute.body.total).toBe(30);
    const typed = await search('/Observation?subject:Patient=example');
    expect(typed.body.total).toBe(30);
  });

  it('FHIR-20 _lastUpdated=gt<t> returns only what was written after t', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const created = await fhir(server, 'POST', '/Observation', {
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'later' },
        subject: { reference: 'Patient/f201' },
      },
    });
    const answer = await search(`/Observation?_lastUpdated=gt${t}`);
    expect(matches(answer.body).map((o) => o.id)).toEqual([(created.body as { id: string }).id]);
  });

  it('FHIR-25 refuses unparseable values in both modes; a value matching nothing is an empty 200', async () => {
    expect((await search('/Observation?date=yesterday')).status).toBe(400);
    expect(issueOf(await search('/Observation?date=yesterday'))?.code).toBe('value');
    expect(
      (await search('/Observation?date=yesterday', { prefer: 'handling=strict' })).status,
    ).toBe(400);
    expect((await search('/Observation?value-quantity=lots')).status).toBe(400);
    expect((await search('/Observation?code=a|b|c')).status).toBe(400);
    expect((await search('/Observation?_count=-1')).status).toBe(400);
    expect((await search('/Observation?_total=maybe')).status).toBe(400);
    const nobody = await search('/Observation?patient=nobody');
    expect(nobody.status).toBe(200);
    expect(nobody.body.total).toBe(0);
  });

  it('FHIR-26 refuses unsupported modifiers with 400 not-supported, in lenient mode too', async () => {
    const answer = await search('/Observation?code:in=http://example.org/vs');
    expect(answer.status).toBe(400);
    expect(issueOf(answer)?.code).toBe('not-supported');
    expect((await search('/Observation?_include:iterate=Observation:patient')).status).toBe(400);
    expect((await search('/Observation?_include=*')).status).toBe(400);
  });

  it('FHIR-27 sorts by date, _lastUpdated and _id, descending with -', async () => {
    const down = matches(
      (await search('/Observation?patient=example&_sort=-date&_count=100')).body,
    );
    const dates = down.map((o) => o.effectiveDateTime ?? '');
    expect(dates).toEqual([...dates].sort().reverse());
    const up = matches((await search('/Observation?patient=example&_sort=date&_count=100')).body);
    expect(up.map((o) => o.effectiveDateTime)).toEqual([...dates].reverse());
    const byId = matches((await search('/Observation?patient=example&_sort=_id&_count=100')).body);
    expect(byId.map((o) => o.id)).toEqual(byId.map((o) => o.id).sort());
  });

  it('FHIR-28 gives an exact total, none with _total=none, and only the total with _summary=count', async () => {
    const count = await search('/Observation?patient=example&_summary=count');
    expect(count.body.total).toBe(30);
    expect(count.body.entry).toBeUndefined();
    const none = await search('/Observation?patient=example&_total=none');
    expect(none.body.total).toBeUndefined();
    expect(matches(none.body)).toHaveLength(20);
    const capped = await search('/Observation?patient=example&_count=1000');
    expect(new URL(link(capped.body, 'self') ?? '').searchParams.get('_count')).toBe('100');
  });

  it('FHIR-29 adds _include and _revinclude entries per page', async () => {
    const page = await search('/Observation?patient=example&_count=5&_include=Observation:patient');
    const includes = (page.body.entry ?? []).filter((e) => e.search?.mode === 'include');
    expect(includes).toHaveLength(1);
    expect(includes[0]?.resource).toMatchObject({ resourceType: 'Patient', id: 'example' });
    const next = await fhir<Bundle>(server, 'GET', link(page.body, 'next') ?? '');
    expect((next.body.entry ?? []).filter((e) => e.search?.mode === 'include')).toHaveLength(1);
    const rev = await search('/Patient?_id=f001&_revinclude=Observation:subject');
    expect(matches(rev.body)).toHaveLength(1);
    expect((rev.body.entry ?? []).filter((e) => e.search?.mode === 'include')).toHaveLength(3);
    expect((await search('/Observation?_include=Observation:code')).status).toBe(400);
  });

  it('searches strings, quantities and :missing as R4 defines them', async () => {
    expect((await search('/Patient?name=chal')).body.total).toBe(1);
    expect((await search('/Patient?family:exact=Chalmers')).body.total).toBe(1);
    expect((await search('/Patient?family:exact=chalmers')).body.total).toBe(0);
    expect((await search('/Patient?name:contains=heuv')).body.total).toBe(1);
    expect((await search('/Patient?birthdate=1974')).body.total).toBe(1);
    expect(
      (await search('/Observation?patient=example&value-quantity=gt80||/min')).body.total,
    ).toBe(3);
    expect(
      (
        await search(
          '/Observation?patient=example&value-quantity=60|http://unitsofmeasure.org|/min',
        )
      ).body.total,
    ).toBe(1);
    expect(
      (await search('/Observation?patient=example&value-quantity:missing=true')).body.total,
    ).toBe(0);
    expect((await search('/Observation?patient=example&encounter:missing=true')).body.total).toBe(
      30,
    );
    const post = await fhir<Bundle>(server, 'POST', '/Observation/_search', {
      raw: 'patient=example&code=8867-4',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(post.status).toBe(200);
    expect(post.body.total).toBe(10);
  });
});
