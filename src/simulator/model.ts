/**
 * The simulated contact center: groups with queues, operators with skills and shifts, bots. Small on
 * purpose — enough variety for every session path — and fixed, so a seed alone decides the output.
 */
import type { Group, Operator } from '../domain/events.js';

export interface SimOperator extends Operator {
  /** Group ids this operator serves. */
  skills: number[];
  /** Working hours [from, to) in UTC; a shift may wrap midnight (from > to). */
  shift: [number, number];
}

export interface SimBot {
  botId: string;
  chatbotId: number;
  name: string;
}

export interface CenterModel {
  groups: Required<Group>[];
  operators: SimOperator[];
  bots: SimBot[];
}

const names: [string, string][] = [
  ['Jana', 'Nováková'],
  ['Petr', 'Svoboda'],
  ['Eva', 'Dvořáková'],
  ['Tomáš', 'Černý'],
  ['Lucie', 'Procházková'],
  ['Martin', 'Kučera'],
  ['Anna', 'Veselá'],
  ['Jakub', 'Horák'],
  ['Tereza', 'Němcová'],
  ['David', 'Marek'],
  ['Klára', 'Pokorná'],
  ['Ondřej', 'Král'],
];

export const defaultModel: CenterModel = {
  groups: [
    { id: 1, name: 'Sales' },
    { id: 2, name: 'Support' },
    { id: 3, name: 'Billing' },
  ],
  operators: names.map(([firstName, lastName], i) => ({
    // Half the operators have numeric ids (mluvii userIds), half have login names.
    id:
      i % 2 === 0
        ? String(101 + i)
        : `${firstName
            .toLowerCase()
            .normalize('NFD')
            .replace(/[^a-z]/g, '')}.${i}`,
    firstName,
    lastName,
    userName: `${firstName
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}@example.com`,
    skills: [[1, 2], [2], [2, 3], [1], [3], [1, 2, 3]][i % 6],
    shift: (
      [
        [6, 14],
        [14, 22],
        [22, 6],
      ] as [number, number][]
    )[i % 3],
  })),
  bots: [
    { botId: 'st-5f1c2a9e-1b7d-5c3e-9a40-7d2e8c1b4f60', chatbotId: 1, name: 'Helpdesk bot' },
    { botId: 'st-0b8d4e72-6a3f-5e19-b2c7-3f9a1d6e8c24', chatbotId: 2, name: 'Orders bot' },
  ],
};

export function onShift(operator: SimOperator, at: number): boolean {
  const hour = new Date(at).getUTCHours();
  const [from, to] = operator.shift;
  return from < to ? hour >= from && hour < to : hour >= from || hour < to;
}
