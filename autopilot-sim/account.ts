import { randomUUID } from 'node:crypto';
import { CONTACTS_PAGE_SIZE, type ContactWrite, type ContactsPage } from '../autopilot/contract';
import { CONTROL_FIELDS, normalizeEmail, toContactRead, type StoredContact } from './contact-shape';

export interface SimList {
  list_id: string;
  title: string;
  members: Set<string>;
}

/** One Autopilot account (one API key): its contacts and lists, in memory. */
export class Account {
  private readonly contacts = new Map<string, StoredContact>();
  private readonly byEmail = new Map<string, string>();
  private readonly listsById = new Map<string, SimList>();

  allContacts(): StoredContact[] {
    return [...this.contacts.values()];
  }

  findContact(idOrEmail: string): StoredContact | undefined {
    return this.contacts.get(idOrEmail) ?? this.findByEmail(idOrEmail);
  }

  /**
   * Creates or updates a contact, matched by Email (case-insensitive) or else by contact_id.
   * Fields sent overwrite, fields not sent are kept, `custom` is merged (spec 3.2).
   * The caller has already checked that `_autopilot_list` exists.
   */
  upsert(write: ContactWrite): string {
    const email = typeof write.Email === 'string' && write.Email.trim() ? write.Email : undefined;
    const now = new Date().toISOString();
    let contact = (email && this.findByEmail(email)) || (write.contact_id && this.contacts.get(write.contact_id)) || undefined;
    if (!contact) {
      contact = { id: `person_${randomUUID().toUpperCase()}`, fields: {}, custom: {}, lists: new Set(), createdAt: now, updatedAt: now };
      this.contacts.set(contact.id, contact);
    }
    for (const [field, value] of Object.entries(write)) {
      if (!CONTROL_FIELDS.has(field) && value !== undefined) contact.fields[field] = value;
    }
    Object.assign(contact.custom, write.custom ?? {});
    if (typeof write._NewEmail === 'string' && write._NewEmail.trim()) {
      this.unindex(contact);
      contact.fields.Email = write._NewEmail;
    }
    this.index(contact);
    if (write._autopilot_list) this.addToList(write._autopilot_list, contact.id);
    contact.updatedAt = now;
    return contact.id;
  }

  lists(): SimList[] {
    return [...this.listsById.values()];
  }

  getList(listId: string): SimList | undefined {
    return this.listsById.get(listId);
  }

  findListByTitle(title: string): SimList | undefined {
    return this.lists().find((l) => l.title === title);
  }

  createList(title: string): SimList {
    const list: SimList = { list_id: `contactlist_${randomUUID().toUpperCase()}`, title, members: new Set() };
    this.listsById.set(list.list_id, list);
    return list;
  }

  /** Returns false when the contact was already a member. */
  addToList(listId: string, contactId: string): boolean {
    const list = this.listsById.get(listId);
    const contact = this.contacts.get(contactId);
    if (!list || !contact || list.members.has(contactId)) return false;
    list.members.add(contactId);
    contact.lists.add(listId);
    return true;
  }

  /** As when a user deletes the list in Autopilot: its memberships go with it. Returns false when there was none. */
  deleteList(listId: string): boolean {
    const list = this.listsById.get(listId);
    if (!list) return false;
    for (const contactId of list.members) this.contacts.get(contactId)?.lists.delete(listId);
    return this.listsById.delete(listId);
  }

  /** Forgets every contact; the lists stay, emptied. */
  forgetContacts(): void {
    this.contacts.clear();
    this.byEmail.clear();
    for (const list of this.listsById.values()) list.members.clear();
  }

  /** Returns false when the contact was not a member. */
  removeFromList(listId: string, contactId: string): boolean {
    const list = this.listsById.get(listId);
    if (!list?.members.delete(contactId)) return false;
    this.contacts.get(contactId)?.lists.delete(listId);
    return true;
  }

  /** Pages of 100 ordered by contact_id; the bookmark is the last id of a page that has a successor (spec 4.4). */
  page(contactIds: Iterable<string>, bookmark?: string): ContactsPage {
    const ids = [...contactIds].sort();
    const rest = bookmark ? ids.filter((id) => id > bookmark) : ids;
    const pageIds = rest.slice(0, CONTACTS_PAGE_SIZE);
    const page: ContactsPage = {
      contacts: pageIds.map((id) => toContactRead(this.contacts.get(id)!)),
      total_contacts: ids.length,
    };
    if (rest.length > pageIds.length) page.bookmark = pageIds[pageIds.length - 1];
    return page;
  }

  allContactIds(): string[] {
    return [...this.contacts.keys()];
  }

  private findByEmail(email: string): StoredContact | undefined {
    const id = this.byEmail.get(normalizeEmail(email));
    return id ? this.contacts.get(id) : undefined;
  }

  private index(contact: StoredContact): void {
    const email = contact.fields.Email;
    if (typeof email === 'string' && email.trim()) this.byEmail.set(normalizeEmail(email), contact.id);
  }

  private unindex(contact: StoredContact): void {
    const email = contact.fields.Email;
    if (typeof email === 'string' && this.byEmail.get(normalizeEmail(email)) === contact.id) {
      this.byEmail.delete(normalizeEmail(email));
    }
  }
}
